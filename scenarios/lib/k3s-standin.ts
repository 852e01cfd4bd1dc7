/**
 * The k3s stand-in for the rehearsal: fixtures/k3s-standin/k3s-standin.sh with the pinned release's flag list
 * built in, as one executable that goes into the k3s layer in place of the k3s binary. It is NOT k3s.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, type K3sBinaryStatus } from '../../harness/index.js';

export const STANDIN_NAME = 'k3s-standin (NOT k3s)';
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

/** Writes the stand-in executable (content-addressed, in the cache) and returns it as a k3s binary status. */
export function standinBinary(): K3sBinaryStatus {
  const text = readFileSync(join(dir, 'k3s-standin.sh'), 'utf8').replace('@FLAGS@', readFileSync(STANDIN_FLAGS_FILE, 'utf8').trimEnd());
  const id = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const out = join(cacheRoot(), 'k3s', 'standin', `k3s-standin-${id}`);
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(`${out}.tmp`, text);
    chmodSync(`${out}.tmp`, 0o755);
    renameSync(`${out}.tmp`, out);
  }
  return { available: true, path: out, version: STANDIN_NAME, reason: STANDIN_NAME };
}
