/**
 * The guest-side put loop run on the host by bash under `set -euo pipefail` (the backdoor's semantics), with a
 * fixture `etcdctl` on PATH that fails every second put: a failed put is counted and the loop goes on.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTimedPuts, timedPuts } from './etcd.js';

describe('timedPuts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-etcdctl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Fixture, not etcd: exits 1 for keys ending in an even number, 0 otherwise.
  writeFileSync(join(dir, 'etcdctl'), '#!/bin/bash\nfor a; do case $a in *-[02468]) exit 1;; esac; done\n');
  chmodSync(join(dir, 'etcdctl'), 0o755);
  const run = (script: string) => execFileSync('bash', ['-c', `set -euo pipefail; ${script}`], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });

  it('under errexit, runs every put and reports each failed one', () => {
    const r = parseTimedPuts(run(timedPuts('k', 6)));
    expect(r.failed).toBe(3);
    expect(r.ms).toHaveLength(3);
    for (const t of r.ms) expect(t).toBeGreaterThanOrEqual(0);
  });

  it('parses STATUS MS lines', () => {
    expect(parseTimedPuts('0 12\n1 5003\n0 9\n')).toEqual({ ms: [12, 9], failed: 1 });
  });
});
