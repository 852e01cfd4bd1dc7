import type { BootPhaseName } from '../console/boot-phases.js';
import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import type { RecordEvent } from './events.js';
import { renderHtml, TIMING_ROWS } from './html.js';
import { buildClusters, buildReport, type RunInput } from './model.js';
import { topologyOf } from './topology.js';

const file = '/repo/scenarios/x.test.ts';
const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const topology = topologyOf({ id: 'ab12', profile: getProfile('vlans'), backend: 'bridge', nodes: [{ name: 'n100-1' }, { name: 'n100-2' }] });
const text = (s: string, omitted = 0, f?: string) => ({ text: s, omitted, file: f });
const cmd = (seq: number, command: string, status: number, test?: string): RecordEvent => ({ t: T0 + seq * 1000, scope: { file, test }, cluster: 'ab12', kind: 'command', machine: 'n100-1', seq, command: text(command), status, ms: 12, timedOut: false, stdout: text('out\n'), stderr: text('') });
const events: RecordEvent[] = [
  { t: T0, scope: { file }, cluster: 'ab12', kind: 'cluster', topology },
  { t: T0 + 9000, scope: { file }, cluster: 'ab12', kind: 'boot', machine: 'n100-1', spawnAt: T0 + 100, readyMs: 8900, doneMs: 14000 },
  cmd(20, 'ping -c1 192.168.200.2', 1, 't1'),
  cmd(21, 'ping -c1 192.168.200.2', 1, 't1'),
  cmd(22, 'ping -c1 192.168.200.2', 0, 't1'),
  { ...(cmd(23, 'journalctl', 0, 't2') as Extract<RecordEvent, { kind: 'command' }>), stdout: text('tail of a long output', 5000, 'files/ab12/n100-1/00023.stdout.txt') },
  { t: T0 + 24_000, scope: { file, test: 't2' }, cluster: 'ab12', kind: 'change', change: { kind: 'link', machine: 'n100-2', nics: ['eth1'], up: false } },
  { t: T0 + 25_000, scope: { file, test: 't2' }, cluster: 'ab12', kind: 'failure', machines: [{ name: 'n100-1', up: true, serialTail: ['[   30.1] last kernel line'] }], rewind: 'npx n3x attach --checkpoint 3fa9c1-2' },
  { t: T0 + 25_500, scope: { file, test: 't2' }, cluster: 'ab12', kind: 'change', change: { kind: 'link', machine: 'n100-2', nics: ['eth1'], up: true } },
  { t: T0 + 25_600, scope: { file, test: 't2' }, cluster: 'ab12', kind: 'failure', machines: [{ name: 'n100-1', up: true, serialTail: ['a later record'] }] },
  { t: T0 + 26_000, scope: { file }, cluster: 'ab12', kind: 'stop', serial: { 'n100-1': 'files/ab12/n100-1/serial.log' } },
  { t: T0 + 27_000, scope: { file: '/elsewhere.test.ts' }, cluster: 'cd34', kind: 'cluster', topology: { ...topology, cluster: 'cd34' } },
];
const serialText = '--- n3x: starting n100-1 (tcg) at 2026-11-28T10:00:00.150Z ---\n[    0.000000] Linux version 6.1\n[    1.9] Run /init as init process\n[    3.1] systemd[1]: x\n[    6.3] systemd[1]: Started n3x-backdoor.service - n3x backdoor\n';
const run: RunInput = {
  startedAt: T0,
  endedAt: T0 + 30_000,
  unhandledErrors: [],
  files: [{
    file, relFile: 'scenarios/x.test.ts', project: 'vm', state: 'failed', durationMs: 30_000, errors: [],
    tests: [
      { id: 't1', name: 'pings', fullName: 'x > pings', state: 'passed', durationMs: 3000, errors: [] },
      { id: 't2', name: 'cuts', fullName: 'x > cuts', state: 'failed', durationMs: 2000, errors: [{ message: 'expected 1 to be 0', stack: 'AssertionError: expected 1 to be 0\n    at x.test.ts:9' }] },
      { id: 't3', name: 'k3s', fullName: 'x > k3s', state: 'skipped', skipNote: 'no k3s binary: set N3X_K3S_BINARY', errors: [] },
    ],
  }],
};

describe('report model', () => {
  const clusters = buildClusters(events, (c, m, rel) => (c === 'ab12' && m === 'n100-1' && rel ? { text: serialText, file: rel } : undefined));
  const r = buildReport(run, events, clusters);

  it('joins clusters to their file, applies faults and matches boots to serial phases', () => {
    expect(r.counts).toEqual({ files: 1, passed: 1, failed: 1, skipped: 1, fileErrors: 0 });
    const [c] = r.files[0].clusters;
    expect(c.id).toBe('ab12');
    expect(c.atFailure?.test).toBe('t2');
    expect(c.atFailure?.topology.machines[1].nics[0].up).toBe(false); // as it was when t2 failed
    expect(c.topology.machines[1].nics[0].up).toBe(true); // reset after the test
    expect(c.faults.map((f) => f.label)).toEqual(['n100-2: eth1 cut', 'n100-2: eth1 restored']);
    const m = c.machines[0];
    expect(m.commands).toHaveLength(4);
    expect(m.boots[0].serial?.phases.map((p) => p.name)).toEqual(['kernel', 'initramfs', 'systemd', 'backdoor']);
    expect(m.serial).toMatchObject({ file: 'files/ab12/n100-1/serial.log', lines: 5 });
    expect(c.machines[1].serial).toBeUndefined();
    expect(r.otherClusters.map((x) => x.id)).toEqual(['cd34']);
  });

  it('gives a failed test the serial tail and the rewind line recorded at its failure, or the end of the serial log', () => {
    expect(r.files[0].tests[1].serialTails).toEqual([{ cluster: 'ab12', machine: 'n100-1', up: true, lines: ['[   30.1] last kernel line'] }]);
    expect(r.files[0].tests[1].rewind).toBe('npx n3x attach --checkpoint 3fa9c1-2');
    const noRecord = buildReport(run, events.filter((e) => e.kind !== 'failure'), clusters);
    expect(noRecord.files[0].tests[1].serialTails[0].lines.at(-1)).toContain('Started n3x-backdoor.service');
  });

  it('renders the failure with its rewind line, the skip reason, polls grouped and cut output linked', () => {
    const html = renderHtml(r);
    expect(html).toContain('AssertionError: expected 1 to be 0');
    expect(html).toContain('<h4>rewind</h4><pre>npx n3x attach --checkpoint 3fa9c1-2</pre>');
    expect(html).toContain('topology when "x &gt; cuts" failed');
    expect(html).toContain('serial tail of n100-1');
    expect(html).toContain('[   30.1] last kernel line');
    expect(html).toContain('skipped: no k3s binary: set N3X_K3S_BINARY');
    expect(html).toContain(' ×2 $ ping -c1 192.168.200.2');
    expect(html).toContain('[… 5000 characters cut; <a href="files/ab12/n100-1/00023.stdout.txt">full stdout</a>]');
    expect(html).toContain('clusters started outside these files (nested runs)');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("puts each file's timings into the report, and renders them as a Timings table linking each file to its section", () => {
    expect(r.timings.files).toEqual([{ file: 'scenarios/x.test.ts', project: 'vm', wall: 30, image: 0, boot: 14, restore: 0, test: 5, other: 11, built: [] }]);
    const html = renderHtml(r);
    expect(html).toContain('<h2>Timings</h2>');
    expect(html).toContain('<tr><td><a href="#file-0">scenarios/x.test.ts</a></td><td class="num">30.0</td><td class="num">0.0</td><td class="num">14.0</td><td class="num">0.0</td><td class="num">5.0</td><td class="num">11.0</td></tr>');
    expect(html).toContain('<tr class="total"><th>total (1 file(s))</th><td class="num">30.0</td>');
  });

  it(`folds the timings of files past the first ${TIMING_ROWS} into a details block`, () => {
    const many = Array.from({ length: TIMING_ROWS + 3 }, (_, i) => ({ ...r.timings.files[0], file: `scenarios/f${i}.test.ts`, wall: 100 - i }));
    const html = renderHtml({ ...r, timings: { ...r.timings, files: many } });
    expect(html).toContain('<details><summary>3 cheaper file(s)</summary>');
    expect(html.indexOf(`scenarios/f${TIMING_ROWS - 1}.test.ts`)).toBeLessThan(html.indexOf('<tr class="total">'));
    expect(html.indexOf(`scenarios/f${TIMING_ROWS}.test.ts`)).toBeGreaterThan(html.indexOf('3 cheaper file(s)'));
  });

  it("gives a file with a cluster its timeline (its clusters' machines, its tests), clusters outside the files theirs, and draws both", () => {
    const tests = [{ t: T0 + 19_000, scope: { file, test: 't1' }, kind: 'test', phase: 'begin' }, { t: T0 + 22_500, scope: { file, test: 't1' }, kind: 'test', phase: 'end' }, { t: T0 + 27_500, scope: { file: '/elsewhere.test.ts', test: 'tx' }, kind: 'test', phase: 'begin' }] as RecordEvent[];
    const withTests = buildReport(run, [...events, ...tests], clusters);
    const t = withTests.files[0].timeline!;
    expect(t.lanes.map((l) => l.machine)).toEqual(['n100-1', 'n100-2']);
    expect(t.lanes[0].ticks).toHaveLength(4);
    expect(t.lanes[1].spans.map((s) => s.label)).toEqual(['link eth1 cut']);
    expect(t.tests.map((x) => x.test)).toEqual(['t1']);
    expect(withTests.otherTimeline?.lanes.map((l) => `${l.cluster}/${l.machine}`)).toEqual(['cd34/n100-1', 'cd34/n100-2']);
    const html = renderHtml(withTests);
    expect(html.match(/<svg [^>]*class="timeline"/g)).toHaveLength(2);
    expect(html).toContain('data-test="x &gt; pings"');
    const unitFile = buildReport({ ...run, files: [{ ...run.files[0], file: '/repo/harness/u.test.ts' }] }, events, clusters);
    expect(unitFile.files[0].timeline).toBeUndefined();
  });
});

describe('boot timeline', () => {
  it('shows a restore from a snapshot as such, and a cold boot with guest phases and host marks', async () => {
    const { bootTimelineSvg } = await import('./svg.js');
    const restored = bootTimelineSvg([{ spawnAt: T0, doneMs: 3200, restored: { name: 'etcd-formed', createdAt: '2026-11-27T09:00:00.000Z' } }]);
    expect(restored).toContain('restored from snapshot etcd-formed in 3.2 s');
    expect(restored).not.toContain('guest clock');
    const [c] = buildClusters(events, (cl, m, rel) => (cl === 'ab12' && m === 'n100-1' && rel ? { text: serialText } : undefined));
    const cold = bootTimelineSvg(c.machines[0].boots);
    for (const s of ['guest clock', 'initramfs 1.9s', 'backdoor 6.3s', 'backdoor ready 8.9s · network set up 14.0s']) expect(cold).toContain(s);
  });
});

describe('boot phases on the host clock', () => {
  it('draws a stacked bar of the recorded phases in order, each where the previous one ended', async () => {
    const { bootTimelineSvg } = await import('./svg.js');
    const phases = [{ name: 'firmware', ms: 1000 }, { name: 'kernel', ms: 2000 }, { name: 'initramfs', ms: 400 }, { name: 'systemd', ms: 4600 }, { name: 'setup', ms: 1000 }] as const satisfies { name: BootPhaseName; ms: number }[];
    const svg = bootTimelineSvg([{ spawnAt: T0, readyMs: 8000, doneMs: 9000, phases }]);
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="\d+" width="([\d.]+)" height="16" class="(ph-[a-z]+)"><title>([^<]+)<\/title>/g)];
    expect(bars.map((b) => b[3])).toEqual(['ph-spawn', 'ph-kernel', 'ph-initramfs', 'ph-systemd', 'ph-net']);
    expect(bars.map((b) => b[4])).toEqual(['firmware: 1.00 s (host clock)', 'kernel: 2.00 s (host clock)', 'initramfs: 0.40 s (host clock)', 'systemd: 4.60 s (host clock)', 'setup: 1.00 s (host clock)']);
    for (let i = 1; i < bars.length; i++) expect(Number(bars[i][1])).toBeCloseTo(Number(bars[i - 1][1]) + Number(bars[i - 1][2]), 0);
    expect(svg).toContain('systemd 4.6s');
    const [c] = buildClusters([...events, { t: T0 + 1, scope: {}, cluster: 'ab12', kind: 'boot', machine: 'n100-2', spawnAt: T0, readyMs: 8000, doneMs: 9000, phases }], () => undefined);
    expect(c.machines.find((m) => m.name === 'n100-2')?.boots.at(-1)?.phases).toEqual(phases);
  });
});
