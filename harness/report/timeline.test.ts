import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import type { RecordEvent } from './events.js';
import { buildTimeline, MAX_TICKS } from './timeline.js';
import { topologyOf } from './topology.js';

const file = '/repo/scenarios/x.test.ts';
const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const at = (s: number) => T0 + s * 1000;
const topology = topologyOf({ id: 'ab12', profile: getProfile('vlans'), backend: 'bridge', nodes: [{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }] });
const ev = (s: number, body: Record<string, unknown>, test?: string): RecordEvent => ({ t: at(s), scope: { file, test }, cluster: 'ab12', ...body }) as RecordEvent;
const cmd = (s: number, machine: string, command: string, status = 0, ms = 100, test?: string) => ev(s, { kind: 'command', machine, seq: 0, command: { text: command, omitted: 0 }, status, ms, timedOut: false, stdout: { text: '', omitted: 0 }, stderr: { text: '', omitted: 0 } }, test);
const testEv = (s: number, phase: string, test?: string): RecordEvent => ({ t: at(s), scope: { file, test }, kind: 'test', phase }) as RecordEvent;
const start: RecordEvent[] = [
  testEv(0, 'begin'),
  ev(1, { kind: 'cluster', topology }),
  ev(30, { kind: 'boot', machine: 'n1', spawnAt: at(2), doneMs: 28_000 }),
  ev(31, { kind: 'boot', machine: 'n2', spawnAt: at(2), doneMs: 29_000 }),
];

describe('the timeline of a file', () => {
  it('has a lane per machine of the cluster (one without events too), its boots, and spans the whole file', () => {
    const t = buildTimeline([...start, ev(60, { kind: 'boot', machine: 'n2', spawnAt: at(58), doneMs: 2000, restored: { name: 'formed', createdAt: 'x' } }), ev(70, { kind: 'stop', serial: {} })])!;
    expect(t.lanes.map((l) => l.machine)).toEqual(['n1', 'n2', 'n3']);
    expect(t.lanes[1].boots).toEqual([{ from: at(2), to: at(31) }, { from: at(58), to: at(60), restored: 'formed' }]);
    expect(t.lanes[2]).toMatchObject({ boots: [], ticks: [], spans: [] });
    expect([t.from, t.to]).toEqual([at(0), at(70)]);
  });

  it('draws partition → heal, link cut → restored, netem on → off and crash → start as spans on the machines they touch', () => {
    const t = buildTimeline([
      ...start,
      ev(40, { kind: 'change', change: { kind: 'partition', a: ['n1'], b: ['n2', 'n3'] } }),
      ev(45, { kind: 'change', change: { kind: 'heal' } }),
      ev(50, { kind: 'change', change: { kind: 'link', machine: 'n2', nics: ['eth1'], up: false } }),
      ev(52, { kind: 'change', change: { kind: 'link', machine: 'n2', nics: ['eth1'], up: true } }),
      ev(53, { kind: 'change', change: { kind: 'netem', machine: 'n3', iface: 'eth1.200', spec: { lossPct: 5 } } }),
      ev(55, { kind: 'change', change: { kind: 'netem', machine: 'n3', iface: 'eth1.200', spec: null } }),
      ev(60, { kind: 'power', machine: 'n1', what: 'crash', detail: 'power-cut' }),
      ev(61, { kind: 'power', machine: 'n1', what: 'start', restoring: false }),
    ])!;
    const spans = (m: string) => t.lanes.find((l) => l.machine === m)!.spans.map((s) => [s.kind, (s.from - T0) / 1000, (s.to - T0) / 1000, s.open, s.label]);
    expect(spans('n1')).toEqual([['partition', 40, 45, false, 'partitioned from n2, n3'], ['down', 60, 61, false, 'down: power-cut (until started again)']]);
    expect(spans('n2')).toEqual([['partition', 40, 45, false, 'partitioned from n1'], ['link', 50, 52, false, 'link eth1 cut']]);
    expect(spans('n3')).toEqual([['partition', 40, 45, false, 'partitioned from n1'], ['netem', 53, 55, false, 'netem on eth1.200: loss 5%']]);
  });

  it('a fault still in force when the file ends is drawn to the end and marked open; a restart ends a cut link', () => {
    const t = buildTimeline([
      ...start,
      ev(40, { kind: 'change', change: { kind: 'netem', machine: 'n3', iface: 'eth1', spec: { delayMs: 50 } } }),
      ev(41, { kind: 'change', change: { kind: 'link', machine: 'n1', nics: ['eth1'], up: false } }),
      ev(42, { kind: 'power', machine: 'n1', what: 'crash', detail: 'died' }),
      ev(44, { kind: 'power', machine: 'n1', what: 'start', restoring: false }),
      ev(50, { kind: 'change', change: { kind: 'netem', machine: 'n3', iface: 'eth1', spec: { delayMs: 200 } } }), // replaces the first
      ev(90, { kind: 'stop', serial: {} }),
    ])!;
    expect(t.lanes[2].spans.map((s) => [s.label, (s.from - T0) / 1000, (s.to - T0) / 1000, s.open])).toEqual([['netem on eth1: delay 50ms', 40, 50, false], ['netem on eth1: delay 200ms', 50, 90, true]]);
    expect(t.lanes[0].spans.map((s) => [s.kind, (s.to - T0) / 1000, s.open])).toEqual([['link', 44, false], ['down', 44, false]]);
  });

  it("draws a nemesis's schedule (planned and applied), its clock jumps and bridge nodes; a fault on when it ends early is closed at its end", () => {
    const faults = [
      { kind: 'clock-jump', at: 5, until: 8, nodes: ['n2'], label: '5.0–8.0 s clock-jump n2 +300 s' },
      { kind: 'partition-bridge', at: 10, until: 15, nodes: ['n3', 'n1', 'n2'], sides: [['n3', 'n1'], ['n3', 'n2']], label: '10.0–15.0 s partition-bridge [n3 n1] | [n3 n2]' },
      { kind: 'crash', at: 20, until: 25, nodes: ['n1'], label: '20.0–25.0 s crash n1' },
    ];
    const t = buildTimeline([
      ...start,
      ev(40, { kind: 'nemesis', phase: 'begin', seed: 7, replay: true, faults }),
      ev(45, { kind: 'nemesis', phase: 'on', seed: 7, index: 0 }),
      ev(48, { kind: 'nemesis', phase: 'off', seed: 7, index: 0 }),
      ev(50, { kind: 'nemesis', phase: 'on', seed: 7, index: 1 }),
      ev(50, { kind: 'change', change: { kind: 'partition', a: ['n1'], b: ['n2'] } }),
      ev(53, { kind: 'change', change: { kind: 'heal' } }),
      ev(53, { kind: 'nemesis', phase: 'end', seed: 7, error: 'aborted' }), // the fault's own 'off' never came
    ])!;
    expect(t.nemeses).toHaveLength(1);
    const [n] = t.nemeses;
    expect(n).toMatchObject({ seed: 7, replay: true, from: at(40), to: at(53), error: 'aborted' });
    expect(n.faults.map((f) => [f.planned.from, f.planned.to, f.from, f.to, f.open])).toEqual([
      [at(45), at(48), at(45), at(48), false],
      [at(50), at(55), at(50), at(53), false],
      [at(60), at(65), undefined, undefined, false],
    ]);
    const kinds = (m: string) => t.lanes.find((l) => l.machine === m)!.spans.map((s) => [s.kind, (s.from - T0) / 1000, (s.to - T0) / 1000]);
    expect(kinds('n2')).toEqual([['clock', 45, 48], ['partition', 50, 53]]);
    expect(kinds('n3')).toEqual([['bridge', 50, 53]]);
    expect(kinds('n1')).toEqual([['partition', 50, 53]]); // on one side only: no bridge
    expect(t.lanes[2].spans[0].label).toBe('bridge node: reaches both sides of 10.0–15.0 s partition-bridge [n3 n1] | [n3 n2]');
    expect(t.lanes[1].spans[0].label).toBe('nemesis 5.0–8.0 s clock-jump n2 +300 s');
  });

  it('a nemesis fault on when the events stop (the run was killed) is open to the end', () => {
    const t = buildTimeline([...start, ev(40, { kind: 'nemesis', phase: 'begin', seed: 1, replay: false, faults: [{ kind: 'clock-jump', at: 1, until: 9, nodes: ['n1'], label: 'j' }] }), ev(41, { kind: 'nemesis', phase: 'on', seed: 1, index: 0 }), cmd(47, 'n1', 'date')])!;
    expect(t.nemeses[0].faults[0]).toMatchObject({ from: at(41), to: at(47), open: true });
    expect(t.nemeses[0].to).toBeUndefined();
    expect(t.lanes[0].spans).toMatchObject([{ kind: 'clock', from: at(41), to: at(47), open: true }]);
  });

  it('marks test boundaries and the moment a test failed (the first report of it); a test never ended runs to the end', () => {
    const t = buildTimeline([...start, testEv(32, 'begin', 't1'), testEv(40, 'end', 't1'), testEv(41, 'begin', 't2'), testEv(44, 'fail', 't2'), testEv(45, 'fail', 't2'), testEv(46, 'end', 't2'), testEv(47, 'begin', 't3'), cmd(50, 'n1', 'true')])!;
    expect(t.tests).toEqual([
      { test: 't1', from: at(32), to: at(40), open: false },
      { test: 't2', from: at(41), to: at(46), open: false, failedAt: at(44) },
      { test: 't3', from: at(47), to: at(50), open: true },
    ]);
  });

  it('each command is a tick from its start to its end with its status; many commands are merged into a bounded number of ticks', () => {
    const few = buildTimeline([...start, cmd(40, 'n1', 'echo hi', 0, 250), cmd(41, 'n1', 'false', 1, 10)])!;
    expect(few.lanes[0].ticks).toEqual([
      { from: at(40) - 250, to: at(40), count: 1, failed: 0, commands: [{ command: 'echo hi', status: 0, ms: 250, timedOut: false }] },
      { from: at(41) - 10, to: at(41), count: 1, failed: 1, commands: [{ command: 'false', status: 1, ms: 10, timedOut: false }] },
    ]);
    const n = 20_000;
    const many = buildTimeline([...start, ...Array.from({ length: n }, (_, i) => cmd(40 + i * 0.01, 'n2', `poll ${i}`, i % 100 === 0 ? 1 : 0, 5))])!;
    const ticks = many.lanes[1].ticks;
    expect(ticks.length).toBeLessThanOrEqual(MAX_TICKS + 1);
    expect(ticks.length).toBeGreaterThan(MAX_TICKS / 2);
    expect(ticks.reduce((a, x) => a + x.count, 0)).toBe(n);
    expect(ticks.reduce((a, x) => a + x.failed, 0)).toBe(n / 100);
    expect(Math.max(...ticks.map((x) => x.commands.length))).toBe(3);
    expect(ticks[0].commands[0].command).toBe('poll 0');
  });

  it('is undefined when no cluster is among the events (a unit-test file)', () => {
    expect(buildTimeline([testEv(0, 'begin'), testEv(1, 'begin', 't1')])).toBeUndefined();
  });
});
