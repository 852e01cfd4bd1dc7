/**
 * What a k3s release supports, from its version string (pure; unit-tested). The image import cache: with a
 * `.cache.json` in agent/images, k3s records each imported tarball and skips the import on the next start when
 * the file is unchanged (k3s docs, Air-Gap Install, "Enable Conditional Image Imports"); it came with the May
 * 2025 patch releases v1.30.13, v1.31.9, v1.32.5 and v1.33.1 (all +k3s1). Older releases import every tarball on
 * every start, which under TCG costs minutes per restart.
 */

export interface K3sVersion {
  major: number;
  minor: number;
  patch: number;
  /** The k3s build of that Kubernetes release (+k3s1 → 1). */
  build: number;
}

/** Parses `v1.31.9+k3s1` (the leading v optional, `-rc1` pre-releases refused); undefined for anything else. */
export function parseK3sVersion(v: string | undefined): K3sVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)\+k3s(\d+)$/.exec(v?.trim() ?? '');
  return m ? { major: +m[1], minor: +m[2], patch: +m[3], build: +m[4] } : undefined;
}

/** First patch of each minor with the import cache; minors after the last listed have it from .0. */
const IMPORT_CACHE_FROM: Record<number, number> = { 30: 13, 31: 9, 32: 5, 33: 1 };

/** True when the release honours agent/images/.cache.json; false for an unknown or unparsable version. */
export function importCacheSupported(version: string | undefined): boolean {
  const v = parseK3sVersion(version);
  if (!v || v.major !== 1) return false;
  if (v.minor > 33) return true;
  const from = IMPORT_CACHE_FROM[v.minor];
  return from !== undefined && v.patch >= from;
}

/** Where k3s looks for airgap tarballs (and the cache file). */
export const K3S_IMAGES_DIR = '/var/lib/rancher/k3s/agent/images';
