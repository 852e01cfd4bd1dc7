/** Where the k3s binary comes from: N3X_K3S_BINARY, else the cache (filled by `n3x images fetch-k3s`). */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheRoot } from '../images/cache.js';

export interface K3sBinaryStatus {
  available: boolean;
  path?: string;
  /** k3s release of the binary (the cache folder name, or N3X_K3S_VERSION for N3X_K3S_BINARY); part of the layer key. */
  version?: string;
  /** Airgap images tarball (.tar, .tar.gz or .tar.zst). Without one, guests (no registry) can start no pod. */
  airgapImages?: string;
  /** Why it is not available, naming the fix. */
  reason: string;
}

export const K3S_SKIP_HINT = 'set N3X_K3S_BINARY=/path/to/k3s (and N3X_K3S_AIRGAP_IMAGES) or run `npx n3x images fetch-k3s --airgap` on a machine with internet access';
export const K3S_AIRGAP_HINT = 'guests have no registry, so no pod can start without the airgap images: set N3X_K3S_AIRGAP_IMAGES=/path/to/k3s-airgap-images-amd64.tar.zst (.tar/.tar.gz too) or run `npx n3x images fetch-k3s --airgap`';

/** True for the tarball names k3s imports from agent/images: .tar, .tar.gz, .tar.zst. */
export function isImagesTarball(name: string): boolean {
  return /\.tar(\.gz|\.zst)?$/.test(basename(name));
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function k3sBinaryStatus(env: NodeJS.ProcessEnv = process.env): K3sBinaryStatus {
  const given = env.N3X_K3S_AIRGAP_IMAGES;
  if (given && (!existsSync(given) || !isImagesTarball(given))) {
    return { available: false, reason: `N3X_K3S_AIRGAP_IMAGES=${given} ${existsSync(given) ? 'is not a .tar, .tar.gz or .tar.zst file' : 'does not exist'}; ${K3S_AIRGAP_HINT}` };
  }
  if (env.N3X_K3S_BINARY) {
    if (!existsSync(env.N3X_K3S_BINARY)) return { available: false, reason: `N3X_K3S_BINARY=${env.N3X_K3S_BINARY} does not exist; ${K3S_SKIP_HINT}` };
    if (!executable(env.N3X_K3S_BINARY)) return { available: false, reason: `N3X_K3S_BINARY=${env.N3X_K3S_BINARY} is not executable (chmod +x it)` };
    return { available: true, path: env.N3X_K3S_BINARY, version: env.N3X_K3S_VERSION ?? 'unknown', airgapImages: given, reason: 'N3X_K3S_BINARY' };
  }
  const dir = join(cacheRoot(env), 'k3s');
  if (existsSync(dir)) {
    for (const v of readdirSync(dir).filter((d) => !d.endsWith('.part')).sort().reverse()) {
      const p = join(dir, v, 'k3s');
      if (existsSync(p) && executable(p)) {
        const img = readdirSync(join(dir, v)).sort().find(isImagesTarball);
        return { available: true, path: p, version: v, airgapImages: given ?? (img && join(dir, v, img)), reason: `cached k3s ${v}` };
      }
    }
  }
  return { available: false, reason: `no k3s binary: ${K3S_SKIP_HINT}` };
}

/** Why pods cannot start with this k3s (no airgap images), or undefined when they can. */
export function podsUnavailableReason(s: K3sBinaryStatus): string | undefined {
  if (!s.available) return s.reason;
  return s.airgapImages ? undefined : `no airgap images tarball: ${K3S_AIRGAP_HINT}`;
}

export type K3sGate = { run: true } | { run: false; skip: string } | { run: false; fail: string };

/**
 * Whether a k3s scenario runs (pure; unit-tested): it needs the binary, and, when it starts pods, the airgap
 * images. Where k3s is expected (N3X_REQUIRE_K3S=1, as in CI) a missing piece fails instead of skipping.
 */
export function k3sScenarioGate(s: K3sBinaryStatus, o: { pods: boolean }, env: NodeJS.ProcessEnv = process.env): K3sGate {
  const why = o.pods ? podsUnavailableReason(s) : s.available ? undefined : s.reason;
  if (!why) return { run: true };
  return env.N3X_REQUIRE_K3S === '1' ? { run: false, fail: `N3X_REQUIRE_K3S=1 but ${why}` } : { run: false, skip: why };
}
