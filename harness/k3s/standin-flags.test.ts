/**
 * The rehearsal's stand-in accepts exactly the pinned k3s release's flags: every argv the harness builds passes
 * it, a flag the release lacks is refused, and — with a real k3s binary — the fixture list is checked against
 * `k3s server --help` / `k3s agent --help`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { pinnedFlags, STANDIN_NAME, standinExecutable } from '../../scenarios/lib/k3s-standin.js';
import { k3sBinaryStatus } from './binary.js';
import { k3sArgs, type K3sNode, type K3sRole } from './config.js';

const standin = standinExecutable();
const check = (args: string[]) => spawnSync('bash', [standin, '__standin-check-args', ...args], { encoding: 'utf8' });

describe(`${STANDIN_NAME} flag checking`, () => {
  it('accepts every argv the harness builds, on every profile, for 1–3 servers and agents', () => {
    for (const roles of [['server'], ['server', 'server', 'agent'], ['server', 'server', 'server', 'agent']] as K3sRole[][]) {
      const nodes: K3sNode[] = roles.map((role, i) => ({ name: `n100-${i + 1}`, index: i + 1, role }));
      for (const p of ['simple', 'vlans', 'bonding-vlans'] as const) {
        for (const n of nodes) {
          const r = check(k3sArgs(getProfile(p), n, nodes, { extraServerArgs: ['--kube-apiserver-arg=v=2'], extraAgentArgs: ['--kubelet-arg', 'v=2'] }));
          expect(r.stderr, `${p} ${n.name}`).toBe('');
          expect(r.status).toBe(0);
        }
      }
    }
  }, 120_000); // 24 bash runs: about 1 s each on a loaded 2-core host

  it('refuses a flag the pinned release lacks, a server-only flag on an agent, and a value flag without its value', () => {
    expect(check(['server', '--no-such-flag']).stderr).toMatch(/k3s server has no flag --no-such-flag/);
    expect(check(['agent', '--cluster-init']).stderr).toMatch(/k3s agent has no flag --cluster-init/);
    expect(check(['server', '--node-ip']).stderr).toMatch(/--node-ip needs a value/);
    expect(check(['server', '--no-deploy', 'traefik']).status).not.toBe(0); // removed long before v1.31
  });

  const real = k3sBinaryStatus();
  const help = real.available && real.version !== STANDIN_NAME;
  it.skipIf(!help)(`every listed flag is in the real binary's --help (${help ? real.path : `skipped: ${real.reason}`})`, () => {
    const flags = pinnedFlags();
    for (const sub of ['server', 'agent'] as const) {
      const text = execFileSync(real.path!, [sub, '--help'], { encoding: 'utf8' });
      const missing = [...flags[sub].keys()].filter((f) => f.startsWith('--') && !new RegExp(`(^|[\\s,])${f}(?=[\\s,=])`, 'm').test(text));
      expect(missing, `flags in the fixture that k3s ${sub} --help does not list`).toEqual([]);
    }
  });
});
