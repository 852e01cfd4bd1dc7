/** The runner's orchestration against a recording stand-in for a cluster (no VMs): order, healing, seeds. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/cluster.js';
import { clockJumpCommand, nemesisSeed, partitionSides, runNemesis } from './run.js';
import { schedule } from './schedule.js';

/** Records every call a nemesis makes; machines go down on crash() and up on start(). */
function recordingCluster(names: string[]) {
  const calls: string[] = [];
  const up = new Map(names.map((n) => [n, true]));
  let partitioned = false;
  const machine = (name: string) => ({
    name,
    isUp: () => up.get(name)!,
    crash: async () => { calls.push(`crash ${name}`); up.set(name, false); },
    start: async () => { calls.push(`start ${name}`); up.set(name, true); },
    block: async () => { calls.push(`block ${name}`); },
    unblock: async () => { calls.push(`unblock ${name}`); },
    netem: async (i: string) => { calls.push(`netem ${name} ${i}`); },
    clearNetem: async (i: string) => { calls.push(`clearNetem ${name} ${i}`); },
    succeed: async (c: string) => { calls.push(`succeed ${name} ${c}`); return ''; },
  });
  const machines = names.map(machine);
  const c = {
    machines,
    machine: (n: string) => machines.find((m) => m.name === n)!,
    iface: () => 'eth1.200',
    partition: async (a: string[], b: string[]) => { calls.push(`partition ${a.join(',')} | ${b.join(',')}`); partitioned = true; },
    heal: async () => { calls.push('heal'); partitioned = false; },
    resetFaults: async () => (partitioned ? ['partition left'] : []),
  };
  return { cluster: c as unknown as Cluster, calls, up };
}

describe('runNemesis', () => {
  it('injects each fault of the seeded schedule and heals it, in order; every machine is up at the end', async () => {
    const names = ['a', 'b', 'c'];
    const { cluster, calls, up } = recordingCluster(names);
    const restarted: string[] = [];
    const r = await runNemesis(cluster, { seed: 3, duration: 4, interval: 0.4, afterRestart: async (m) => { restarted.push(m.name); } });
    expect(r.schedule).toEqual(schedule(names, { seed: 3, duration: 4, interval: 0.4 }));
    expect(r.applied.map((a) => a.fault)).toEqual(r.schedule);
    const heals: Record<string, string> = { crash: 'start', 'link-cut': 'unblock', netem: 'clearNetem', 'clock-jump': 'succeed' };
    let i = 0;
    for (const f of r.schedule) {
      if (f.kind.startsWith('partition')) {
        expect(calls[i++]).toMatch(/^partition /);
        expect(calls[i++]).toBe('heal');
      } else {
        expect(calls[i++].split(' ').slice(0, 2)).toEqual([f.kind === 'link-cut' ? 'block' : f.kind === 'clock-jump' ? 'succeed' : f.kind, f.nodes[0]]);
        expect(calls[i++].split(' ').slice(0, 2)).toEqual([heals[f.kind], f.nodes[0]]);
      }
    }
    expect(restarted).toEqual(r.schedule.filter((f) => f.kind === 'crash').map((f) => f.nodes[0]));
    expect([...up.values()].every(Boolean)).toBe(true);
    for (const a of r.applied) expect(a.startedMs).toBeGreaterThanOrEqual(a.fault.at * 1000 - 5);
  });

  it('an aborted run still restarts crashed machines', async () => {
    const { cluster, calls, up } = recordingCluster(['a', 'b', 'c']);
    const opts = { seed: 1, duration: 10, interval: 2, faults: ['crash' as const] };
    const first = schedule(['a', 'b', 'c'], opts)[0];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), first.at * 1000 + 200); // while the machine is down
    await expect(runNemesis(cluster, { ...opts, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(calls).toEqual([`crash ${first.nodes[0]}`, `start ${first.nodes[0]}`]);
    expect([...up.values()].every(Boolean)).toBe(true);
  });

  it('N3X_NEMESIS_SEED replaces the given seed; a non-integer is refused', () => {
    expect(nemesisSeed(5, {})).toBe(5);
    expect(nemesisSeed(5, { N3X_NEMESIS_SEED: '42' })).toBe(42);
    expect(() => nemesisSeed(5, { N3X_NEMESIS_SEED: 'x' })).toThrow(/must be an integer/);
  });

  it('a bridge partition leaves the bridge node out of both sides', () => {
    expect(partitionSides({ kind: 'partition-bridge', at: 0, until: 1, nodes: [], sides: [['x', 'a'], ['x', 'b']] })).toEqual([['a'], ['b']]);
    expect(partitionSides({ kind: 'partition-lone', at: 0, until: 1, nodes: [], sides: [['a'], ['b', 'c']] })).toEqual([['a'], ['b', 'c']]);
  });

  it('the clock-jump command moves the clock by the jump (run with date stubbed to print its -s argument)', () => {
    const out = execFileSync('bash', ['-c', `set -euo pipefail; date() { if [ "$1" = +%s ]; then echo 1000; else echo "$@"; fi; }; ${clockJumpCommand(-30).replace('>/dev/null', '')}`], { encoding: 'utf8' });
    expect(out.trim()).toBe('-u -s @970');
  });
});
