import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tmp from 'tmp';
import { describe, expect, it } from 'vitest';
import { parsePreflight, preflightScript, PREFLIGHT_ITEMS } from './preflight.js';

describe('k3s preflight', () => {
  it('all items ok → nothing missing', () => {
    const out = PREFLIGHT_ITEMS.map((i) => `n3x-preflight ok ${i}`).join('\n');
    expect(parsePreflight(out)).toEqual({ ok: [...PREFLIGHT_ITEMS], missing: [] });
  });
  it('a missing item is named with its reason; an item that printed nothing counts as missing', () => {
    const out = PREFLIGHT_ITEMS.filter((i) => i !== 'sysctl:ip_forward' && i !== 'dev:kmsg').map((i) => `n3x-preflight ok ${i}`).join('\n');
    const r = parsePreflight(`${out}\nn3x-preflight missing sysctl:ip_forward is 0, needs 1\n`);
    expect(r.missing).toEqual(['sysctl:ip_forward: is 0, needs 1', 'dev:kmsg: not checked (script output incomplete)']);
  });
  it('the script is valid shell and checks every item', () => {
    execFileSync('bash', ['-n', '-c', preflightScript()]);
    for (const i of PREFLIGHT_ITEMS) expect(preflightScript()).toMatch(new RegExp(`(ok|no) ${i.replace(/:.*/, '')}`));
  });

  // Machine.succeed runs guest commands under `set -euo pipefail`: a failing `x=$(…)` would end the script on the
  // very nodes it diagnoses. Run on this host, once as it is and once with the probes failing (no cgroup v2 at all).
  const underPipefail = (env: NodeJS.ProcessEnv) => spawnSync('bash', ['-euo', 'pipefail', '-c', preflightScript()], { encoding: 'utf8', env });
  it('under bash -euo pipefail on this host: exits 0 and prints a line for every item', () => {
    const r = underPipefail(process.env);
    expect(r.status, r.stderr).toBe(0);
    const p = parsePreflight(r.stdout);
    expect([...p.ok, ...p.missing.map((m) => m.split(': ')[0])].sort()).toEqual([...PREFLIGHT_ITEMS].sort());
    expect(p.missing.filter((m) => /not checked/.test(m))).toEqual([]);
  });
  it('under bash -euo pipefail with stat, cat, ip and iptables failing (no cgroup v2, no /proc values): exits 0 and names every item', () => {
    const dir = tmp.dirSync({ unsafeCleanup: true });
    try {
      for (const tool of ['stat', 'cat', 'ip', 'iptables']) {
        writeFileSync(join(dir.name, tool), '#!/bin/sh\nexit 1\n');
        chmodSync(join(dir.name, tool), 0o755);
      }
      const r = underPipefail({ ...process.env, PATH: `${dir.name}:${process.env.PATH}` });
      expect(r.status, r.stderr).toBe(0);
      const p = parsePreflight(r.stdout);
      expect(p.missing.filter((m) => /not checked/.test(m))).toEqual([]);
      expect(p.missing).toEqual(expect.arrayContaining([expect.stringMatching(/^cgroup2: \/sys\/fs\/cgroup is absent/), expect.stringMatching(/^cgroup:cpu: /), expect.stringMatching(/^sysctl:ip_forward: is absent/), expect.stringMatching(/^default-route: /), expect.stringMatching(/^iptables: /)]));
    } finally {
      dir.removeCallback();
    }
  });
});
