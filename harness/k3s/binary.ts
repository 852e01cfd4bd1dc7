/** Where the k3s binary comes from: N3X_K3S_BINARY, else the cache (filled by `n3x images fetch-k3s`). */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheRoot } from '../util/paths.js';

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

/** Debian/k3s name of a guest architecture: k3s ships one binary and one airgap tarball per architecture. */
export type K3sArch = 'amd64' | 'arm64';

/** Where each architecture's k3s comes from: its env vars, its cache folder and the fetch command. Pure. */
export function k3sSources(arch: K3sArch = 'amd64'): { binaryVar: string; imagesVar: string; cacheSub: string; fetch: string } {
  return arch === 'amd64'
    ? { binaryVar: 'N3X_K3S_BINARY', imagesVar: 'N3X_K3S_AIRGAP_IMAGES', cacheSub: 'k3s', fetch: 'npx n3x images fetch-k3s --airgap' }
    : { binaryVar: 'N3X_K3S_BINARY_ARM64', imagesVar: 'N3X_K3S_AIRGAP_IMAGES_ARM64', cacheSub: 'k3s-arm64', fetch: 'npx n3x images fetch-k3s --arch arm64 --airgap' };
}

const skipHint = (a: K3sArch) => {
  const s = k3sSources(a);
  return `set ${s.binaryVar}=/path/to/k3s${a === 'amd64' ? '' : '-arm64'} (and ${s.imagesVar}) or run \`${s.fetch}\` on a machine with internet access`;
};
const airgapHint = (a: K3sArch) => {
  const s = k3sSources(a);
  return `guests have no registry, so no pod can start without the airgap images: set ${s.imagesVar}=/path/to/k3s-airgap-images-${a}.tar.zst (.tar/.tar.gz too) or run \`${s.fetch}\``;
};

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

/** The k3s of one architecture (default amd64): its env var, else the newest in its cache folder. */
export function k3sBinaryStatus(env: NodeJS.ProcessEnv = process.env, arch: K3sArch = 'amd64'): K3sBinaryStatus {
  const src = k3sSources(arch);
  const given = env[src.imagesVar];
  if (given && (!existsSync(given) || !isImagesTarball(given))) {
    return { available: false, reason: `${src.imagesVar}=${given} ${existsSync(given) ? 'is not a .tar, .tar.gz or .tar.zst file' : 'does not exist'}; ${airgapHint(arch)}` };
  }
  const binary = env[src.binaryVar];
  if (binary) {
    if (!existsSync(binary)) return { available: false, reason: `${src.binaryVar}=${binary} does not exist; ${skipHint(arch)}` };
    if (!executable(binary)) return { available: false, reason: `${src.binaryVar}=${binary} is not executable (chmod +x it)` };
    return { available: true, path: binary, version: env.N3X_K3S_VERSION ?? 'unknown', airgapImages: given, reason: src.binaryVar };
  }
  const dir = join(cacheRoot(env), src.cacheSub);
  if (existsSync(dir)) {
    for (const v of readdirSync(dir).filter((d) => !d.endsWith('.part')).sort().reverse()) {
      const p = join(dir, v, 'k3s');
      if (existsSync(p) && executable(p)) {
        const img = readdirSync(join(dir, v)).sort().find(isImagesTarball);
        return { available: true, path: p, version: v, airgapImages: given ?? (img && join(dir, v, img)), reason: `cached k3s ${v}${arch === 'amd64' ? '' : ` (${arch})`}` };
      }
    }
  }
  return { available: false, reason: `no ${arch === 'amd64' ? '' : `${arch} `}k3s binary: ${skipHint(arch)}` };
}

/** Why pods cannot start with this k3s (no airgap images), or undefined when they can. */
export function podsUnavailableReason(s: K3sBinaryStatus, arch: K3sArch = 'amd64'): string | undefined {
  if (!s.available) return s.reason;
  return s.airgapImages ? undefined : `no ${arch === 'amd64' ? '' : `${arch} `}airgap images tarball: ${airgapHint(arch)}`;
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

/** The k3s status of a cluster with aarch64 agents: the amd64 one, unless the arm64 k3s or its airgap images are missing. Pure. */
export function mixedArchK3sStatus(amd64: K3sBinaryStatus, arm64: K3sBinaryStatus): K3sBinaryStatus {
  const armWhy = podsUnavailableReason(arm64, 'arm64');
  return armWhy ? { available: false, reason: armWhy } : amd64;
}
