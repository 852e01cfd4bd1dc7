/** The runner's orchestration against a recording stand-in for a cluster (no VMs): order, healing, seeds. */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../cluster/cluster.js';
import { emit, subscribe, type HarnessEvent } from '../events.js';
import { clockJumpCommand, nemesisSeed, partitionSides, runNemesis } from './run.js';
import { describeFault, schedule } from './schedule.js';

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
    id: 'ne01',
    machines,
    machine: (n: string) => machines.find((m) => m.name === n)!,
    iface: () => 'eth1.200',
    partition: async (a: string[], b: string[]) => { calls.push(`partition ${a.join(',')} | ${b.join(',')}`); partitioned = true; },
    heal: async () => { calls.push('heal'); partitioned = false; },
    resetFaults: async () => (partitioned ? ['partition left'] : []),
  };
  return { cluster: c as unknown as Cluster, calls, up };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The nemesis events emitted while `fn` runs. */
async function nemesisEvents(fn: () => Promise<unknown>): Promise<Extract<HarnessEvent, { kind: 'nemesis' }>[]> {
  const got: Extract<HarnessEvent, { kind: 'nemesis' }>[] = [];
  const stop = subscribe((e) => void (e.kind === 'nemesis' && got.push(e)));
  try {
    await fn();
  } finally {
    stop();
  }
  return got;
}

describe('runNemesis', () => {
  // Seed 2303 over 11 s draws every kind: link-cut, partition-lone, crash, clock-jump, netem (about 11 s to run).
  const names = ['a', 'b', 'c'];
  const opts = { seed: 2303, duration: 11, interval: 1.1 };
  const rec = recordingCluster(names);
  const restarted: string[] = [];
  let r: Awaited<ReturnType<typeof runNemesis>>;
  let events: Extract<HarnessEvent, { kind: 'nemesis' }>[] = [];
  beforeAll(async () => {
    events = await nemesisEvents(async () => { r = await runNemesis(rec.cluster, { ...opts, afterRestart: async (m) => { restarted.push(m.name); } }); });
  }, 30_000);

  it('injects each fault of the seeded schedule (every kind) and heals it, in order; every machine is up at the end', () => {
    const { calls, up } = rec;
    expect(r.schedule).toEqual(schedule(names, opts));
    expect(new Set(r.schedule.map((f) => f.kind))).toEqual(new Set(['link-cut', 'partition-lone', 'crash', 'clock-jump', 'netem']));
    expect(r.applied.map((a) => a.fault)).toEqual(r.schedule);
    const heals: Record<string, string> = { crash: 'start', 'link-cut': 'unblock', netem: 'clearNetem', 'clock-jump': 'succeed' };
    let i = 0;
    for (const f of r.schedule) {
      if (f.kind.startsWith('partition')) {
        expect(calls[i++]).toBe(`partition ${partitionSides(f)[0].join(',')} | ${partitionSides(f)[1].join(',')}`);
        expect(calls[i++]).toBe('heal');
      } else {
        expect(calls[i++].split(' ').slice(0, 2)).toEqual([f.kind === 'link-cut' ? 'block' : f.kind === 'clock-jump' ? 'succeed' : f.kind, f.nodes[0]]);
        expect(calls[i++].split(' ').slice(0, 2)).toEqual([heals[f.kind], f.nodes[0]]);
      }
    }
    expect(calls).toHaveLength(i);
    expect(restarted).toEqual(r.schedule.filter((f) => f.kind === 'crash').map((f) => f.nodes[0]));
    expect([...up.values()].every(Boolean)).toBe(true);
    for (const a of r.applied) expect(a.startedMs).toBeGreaterThanOrEqual(a.fault.at * 1000 - 5);
  });

  it('emits its seed and schedule, each fault on and off, and its end', () => {
    expect(events[0]).toMatchObject({ cluster: 'ne01', phase: 'begin', seed: 2303, replay: false });
    const begin = events[0] as Extract<HarnessEvent, { phase: 'begin' }>;
    expect(begin.faults.map((f) => [f.kind, f.at, f.until, f.nodes, f.sides])).toEqual(r.schedule.map((f) => [f.kind, f.at, f.until, f.nodes, f.sides]));
    expect(begin.faults.map((f) => f.label)).toEqual(r.schedule.map(describeFault));
    expect(events.slice(1).map((e) => `${e.phase}${'index' in e ? ` ${e.index}` : ''}`)).toEqual([...r.schedule.flatMap((_, i) => [`on ${i}`, `off ${i}`]), 'end']);
    expect(events.at(-1)).toMatchObject({ phase: 'end', error: undefined });
  });

  it('an aborted run still restarts crashed machines, and its error names the seed to replay', async () => {
    const { cluster, calls, up } = recordingCluster(['a', 'b', 'c']);
    const opts = { seed: 1, duration: 10, interval: 2, faults: ['crash' as const] };
    const first = schedule(['a', 'b', 'c'], opts)[0];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), first.at * 1000 + 200); // while the machine is down
    await expect(runNemesis(cluster, { ...opts, signal: ac.signal })).rejects.toThrow(/^nemesis seed 1 failed \(replay: N3X_NEMESIS_SEED=1\): .*abort/i);
    expect(calls).toEqual([`crash ${first.nodes[0]}`, `start ${first.nodes[0]}`]);
    expect([...up.values()].every(Boolean)).toBe(true);
  });

  it('an aborted run takes back a clock jump in force', async () => {
    const { cluster, calls } = recordingCluster(['a', 'b', 'c']);
    const opts = { seed: 2, duration: 10, interval: 2, faults: ['clock-jump' as const] };
    const first = schedule(['a', 'b', 'c'], opts)[0];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), first.at * 1000 + 200);
    await expect(runNemesis(cluster, { ...opts, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(calls).toEqual([`succeed ${first.nodes[0]} ${clockJumpCommand(first.jump!)}`, `succeed ${first.nodes[0]} ${clockJumpCommand(-first.jump!)}`]);
  });

  it('a failed run emits its end with the error', async () => {
    const broken = recordingCluster(['a', 'b', 'c']);
    broken.cluster.machine('a').crash = async () => { throw new Error('QMP gone'); };
    broken.cluster.machine('b').crash = broken.cluster.machine('a').crash;
    broken.cluster.machine('c').crash = broken.cluster.machine('a').crash;
    const got = await nemesisEvents(() => runNemesis(broken.cluster, { seed: 1, duration: 10, interval: 2, faults: ['crash'] }).catch(() => undefined));
    expect(got.map((e) => e.phase)).toEqual(['begin', 'on', 'end']);
    expect(got.at(-1)).toMatchObject({ seed: 1, error: 'QMP gone' });
  });

  it('N3X_NEMESIS_SEED replays: the run uses its seed and draws that seed\'s schedule, and says it was a replay', async () => {
    vi.stubEnv('N3X_NEMESIS_SEED', '11');
    const { cluster } = recordingCluster(['a', 'b', 'c']);
    let r: Awaited<ReturnType<typeof runNemesis>> | undefined;
    const got = await nemesisEvents(async () => { r = await runNemesis(cluster, { seed: 5, duration: 5, interval: 1.5 }); });
    expect(r!.seed).toBe(11);
    expect(r!.schedule).toEqual(schedule(['a', 'b', 'c'], { seed: 11, duration: 5, interval: 1.5 }));
    expect(r!.schedule).not.toEqual(schedule(['a', 'b', 'c'], { seed: 5, duration: 5, interval: 1.5 }));
    expect(got[0]).toMatchObject({ phase: 'begin', seed: 11, replay: true });
  });

  it('when a test that ran a nemesis fails, its seed is printed once with the replay variable; a test without one prints none', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { lines.push(String(s)); return true; });
    const { cluster } = recordingCluster(['a', 'b', 'c']);
    emit({ kind: 'test', phase: 'begin', file: 'f', test: 'with' });
    await runNemesis(cluster, { seed: 9, duration: 1, interval: 5 });
    emit({ kind: 'test', phase: 'fail', file: 'f', test: 'with' });
    emit({ kind: 'test', phase: 'fail', file: 'f', test: 'with' }); // announced twice (setup file and useCluster)
    emit({ kind: 'test', phase: 'begin', file: 'f', test: 'without' });
    emit({ kind: 'test', phase: 'fail', file: 'f', test: 'without' });
    expect(lines.filter((l) => l.includes('the failed test ran a nemesis'))).toEqual([expect.stringMatching(/nemesis: the failed test ran a nemesis with seed 9: replay it with N3X_NEMESIS_SEED=9\n$/)]);
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
