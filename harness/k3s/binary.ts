/** Where the k3s binary comes from: N3X_K3S_BINARY, else the cache (filled by `n3x images fetch-k3s`). */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../images/cache.js';

export interface K3sBinaryStatus {
  available: boolean;
  path?: string;
  /** Airgap images tarball, if supplied. */
  airgapImages?: string;
  /** Why it is not available, naming the fix. */
  reason: string;
}

export const K3S_SKIP_HINT = 'set N3X_K3S_BINARY=/path/to/k3s (and optionally N3X_K3S_AIRGAP_IMAGES) or run `npx n3x images fetch-k3s` on a machine with internet access';

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function k3sBinaryStatus(env: NodeJS.ProcessEnv = process.env): K3sBinaryStatus {
  const airgap = env.N3X_K3S_AIRGAP_IMAGES && existsSync(env.N3X_K3S_AIRGAP_IMAGES) ? env.N3X_K3S_AIRGAP_IMAGES : undefined;
  if (env.N3X_K3S_BINARY) {
    if (!existsSync(env.N3X_K3S_BINARY)) return { available: false, reason: `N3X_K3S_BINARY=${env.N3X_K3S_BINARY} does not exist; ${K3S_SKIP_HINT}` };
    if (!executable(env.N3X_K3S_BINARY)) return { available: false, reason: `N3X_K3S_BINARY=${env.N3X_K3S_BINARY} is not executable (chmod +x it)` };
    return { available: true, path: env.N3X_K3S_BINARY, airgapImages: airgap, reason: 'N3X_K3S_BINARY' };
  }
  const dir = join(cacheRoot(env), 'k3s');
  if (existsSync(dir)) {
    for (const v of readdirSync(dir).sort().reverse()) {
      const p = join(dir, v, 'k3s');
      if (existsSync(p) && executable(p)) {
        const img = ['k3s-airgap-images-amd64.tar.zst', 'k3s-airgap-images-amd64.tar.gz', 'k3s-airgap-images-amd64.tar'].map((f) => join(dir, v, f)).find(existsSync);
        return { available: true, path: p, airgapImages: airgap ?? img, reason: `cached k3s ${v}` };
      }
    }
  }
  return { available: false, reason: `no k3s binary: ${K3S_SKIP_HINT}` };
}
