/**
 * The k3s stand-in for the rehearsal: fixtures/k3s-standin/k3s-standin.sh with the pinned release's flag list
 * built in, as one executable that goes into the k3s layer in place of the k3s binary. It is NOT k3s.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, type K3sBinaryStatus } from '../../harness/index.js';

export const STANDIN_NAME = 'k3s-standin (NOT k3s)';
/** The stand-in's join port: joins, heartbeats and the CA bootstrap, authenticated by the token. */
export const STANDIN_JOIN_PORT = 9345;
/**
 * The stand-in's health port, where it answers `/ping` without credentials (TLS, no client certificate): its API
 * port (6443) requires a client certificate (socat cannot make one optional, as k3s does), so keepalived's health
 * check goes here instead. A few lines of sh answer it, never the stand-in's bash: keepalived asks every 2 s with a
 * 2 s timeout, on every server.
 */
export const STANDIN_HEALTH_PORT = 9346;
const dir = fileURLToPath(new URL('../../fixtures/k3s-standin/', import.meta.url));
export const STANDIN_FLAGS_FILE = join(dir, 'flags-v1.31.4+k3s1.txt');

/** Flags of the pinned release, by subcommand: flag → 'value' | 'bool' (from the fixture); hidden ones only with `hidden`. */
export function pinnedFlags(o: { hidden?: boolean } = {}): Record<'server' | 'agent', Map<string, string>> {
  const out = { server: new Map<string, string>(), agent: new Map<string, string>() };
  for (const line of readFileSync(STANDIN_FLAGS_FILE, 'utf8').split('\n')) {
    const m = /^(server|agent) (\S+) (value|bool)( hidden)?$/.exec(line.trim());
    if (m && (!m[4] || o.hidden)) out[m[1] as 'server' | 'agent'].set(m[2], m[3]);
  }
  return out;
}

/** The stand-in layer's airgap tarball: a tar holding one text file that says it holds no images (NOT k3s's). */
export const STANDIN_AIRGAP_NAME = 'k3s-airgap-images-standin-NOT-k3s.tar';

function standinAirgap(): string {
  const out = join(cacheRoot(), 'k3s', 'standin', STANDIN_AIRGAP_NAME);
  if (existsSync(out)) return out;
  mkdirSync(join(out, '..'), { recursive: true });
  const stage = mkdtempSync(`${out}.stage-`);
  try {
    writeFileSync(join(stage, 'README'), `${STANDIN_NAME}: a dummy airgap tarball that holds no container images; it only proves the layer carries images/ and the install links them into agent/images.\n`);
    execFileSync('tar', ['-C', stage, '--owner=0', '--group=0', '--mtime=@0', '-cf', `${out}.tmp`, 'README']);
    renameSync(`${out}.tmp`, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return out;
}

/** Writes the stand-in executable (content-addressed, in the cache) with Node's fs alone, and returns its path. */
export function standinExecutable(): string {
  const text = readFileSync(join(dir, 'k3s-standin.sh'), 'utf8').replace('@FLAGS@', readFileSync(STANDIN_FLAGS_FILE, 'utf8').trimEnd());
  const id = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const out = join(cacheRoot(), 'k3s', 'standin', `k3s-standin-${id}`);
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(`${out}.tmp`, text);
    chmodSync(`${out}.tmp`, 0o755);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}

/** The stand-in as a k3s binary status for the rehearsal: the executable and a dummy airgap tarball (built with tar). */
export function standinBinary(): K3sBinaryStatus {
  return { available: true, path: standinExecutable(), version: STANDIN_NAME, airgapImages: standinAirgap(), reason: STANDIN_NAME };
}

export type RehearsalKind = 'HA, cold' | '1 server + 1 agent, restored';

/**
 * Which rehearsal runs on which profile: the first profile gets the HA part (3 servers + 1 agent booted cold, reboot,
 * crash, the first server's loss) on every accelerator unless N3X_REHEARSAL_HA=0, and every other profile 1 server +
 * 1 agent from a booted snapshot. Under TCG on 2 cores the HA part passes since the stand-in starts no etcdctl or jq
 * per heartbeat and no bash per /ping, and keepalived's timing scales with the k3s time factor (8–12 min here; before,
 * 4 runs failed on nodes flapping to Unknown and keepalived's 2 s probe timing out).
 */
export function rehearsalPlan<P extends string>(profiles: P[], o: { env: NodeJS.ProcessEnv }): [P, RehearsalKind][] {
  const ha = o.env.N3X_REHEARSAL_HA !== '0';
  return profiles.map((p, i) => [p, ha && i === 0 ? 'HA, cold' : '1 server + 1 agent, restored']);
}
