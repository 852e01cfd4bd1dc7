import { describe, expect, it } from 'vitest';
import type { RecordEvent } from './events.js';
import { fileTimings, runTimings, timingsTable, type TimedFile } from './timings.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const etcd = '/repo/scenarios/etcd.test.ts';
const smoke = '/repo/scenarios/smoke.test.ts';
const unit = '/repo/harness/retry.test.ts';

// Events as the recorder stores them (record.ts): a restore is one boot record per machine with `restored`.
const image = (file: string, at: number, ms: number, name: string, built: boolean): RecordEvent => ({ t: T0 + at, scope: { file }, kind: 'image', name, built, ms });
const boot = (file: string, machine: string, spawn: number, doneMs: number, test?: string): RecordEvent => ({ t: T0 + spawn + doneMs, scope: { file, test }, cluster: 'ab12', kind: 'boot', machine, spawnAt: T0 + spawn, readyMs: doneMs - 500, doneMs });
const restored = (file: string, machine: string, at: number, ms: number, test: string): RecordEvent => ({ t: T0 + at, scope: { file, test }, cluster: 'ab12', kind: 'boot', machine, spawnAt: T0 + at - ms, doneMs: ms, restored: { name: 'formed', createdAt: '2026-12-03T09:00:00.000Z' } });
const test = (file: string, id: string, phase: 'begin' | 'end', at: number): RecordEvent => ({ t: T0 + at, scope: { file, test: id }, kind: 'test', phase });

const etcdEvents: RecordEvent[] = [
  image(etcd, 50, 50, 'debian-12-aa', false), // the base, a cache hit inside the derived build
  image(etcd, 20_000, 20_000, 'debian-12-aa+pkgs-bb', true),
  boot(etcd, 'n1', 20_000, 14_000),
  boot(etcd, 'n2', 20_100, 14_500),
  boot(etcd, 'n3', 20_200, 13_000),
  test(etcd, 't1', 'begin', 35_000),
  ...['n1', 'n2', 'n3'].map((m) => restored(etcd, m, 40_000, 1_500, 't1')),
  test(etcd, 't1', 'end', 45_000),
  test(etcd, 't2', 'begin', 45_000),
  boot(etcd, 'n2', 50_000, 4_000, 't2'), // a crashed machine booted cold again
  test(etcd, 't2', 'end', 55_000),
];
const etcdFile: TimedFile = { file: etcd, relFile: 'scenarios/etcd.test.ts', project: 'vm', durationMs: 60_000, setupMs: 2_000, tests: [{ durationMs: 10_000 }, { durationMs: 10_000 }] };
const smokeFile: TimedFile = { file: smoke, relFile: 'scenarios/smoke.test.ts', project: 'vm', durationMs: 10_000, tests: [{ durationMs: 9_000 }] };
const unitFile: TimedFile = { file: unit, relFile: 'harness/retry.test.ts', project: 'unit', durationMs: 500, tests: [{ durationMs: 300 }, { durationMs: 100 }, {}] };

describe('fileTimings', () => {
  it('counts overlapping boots once, a restore once for all its machines, and a boot or restore inside a test as that, not test', () => {
    expect(fileTimings(etcdFile, etcdEvents)).toEqual({
      file: 'scenarios/etcd.test.ts',
      project: 'vm',
      wall: 62, // tests and hooks, and the 2 s of setup and import before them
      image: 20, // the base's check lies inside the derived build
      boot: 18.6, // 20.0–34.6 s for the three machines, 4 s for the one restarted in t2
      restore: 1.5,
      test: 14.5, // 10 + 10 less the restore in t1 and the boot in t2
      other: 7.4,
      built: ['debian-12-aa+pkgs-bb'],
    });
  });

  it('floors other at 0 when the parts exceed the wall time', () => {
    const t = fileTimings(smokeFile, [boot(smoke, 'n1', 0, 5_000)]);
    expect([t.wall, t.boot, t.test, t.other]).toEqual([10, 5, 9, 0]);
  });

  it('a file without events is tests and other only', () => {
    expect(fileTimings(unitFile, [])).toMatchObject({ wall: 0.5, image: 0, boot: 0, restore: 0, test: 0.4, other: 0.1, built: [] });
  });
});

describe('runTimings', () => {
  const events = [...etcdEvents, boot(smoke, 'n1', 70_000, 5_000)].sort((a, b) => a.t - b.t);
  const t = runTimings([unitFile, smokeFile, etcdFile], events);

  it("sorts costliest first and gives each file only its own events", () => {
    expect(t.files.map((f) => [f.file, f.wall, f.boot])).toEqual([
      ['scenarios/etcd.test.ts', 62, 18.6],
      ['scenarios/smoke.test.ts', 10, 5],
      ['harness/retry.test.ts', 0.5, 0],
    ]);
  });

  it('totals every part over the files', () => {
    expect(t.total).toEqual({ wall: 72.5, image: 20, boot: 23.6, restore: 1.5, test: 23.9, other: 7.5 });
  });
});

describe('timingsTable', () => {
  const t = runTimings([unitFile, smokeFile, etcdFile], [...etcdEvents, boot(smoke, 'n1', 70_000, 5_000)]);

  it('prints a row per file in seconds, costliest first, and the total last', () => {
    expect(timingsTable(t).split('\n')).toEqual([
      'file                     wall s  image s  boot s  restore s  test s  other s',
      'scenarios/etcd.test.ts     62.0     20.0    18.6        1.5    14.5      7.4',
      'scenarios/smoke.test.ts    10.0      0.0     5.0        0.0     9.0      0.0',
      'harness/retry.test.ts       0.5      0.0     0.0        0.0     0.4      0.1',
      'total (3 files)            72.5     20.0    23.6        1.5    23.9      7.5',
    ]);
  });

  it('with top, says how many cheaper files it left out and still totals them all', () => {
    const lines = timingsTable(t, 1).split('\n');
    expect(lines.slice(2)).toEqual(['… 2 cheaper file(s) not shown', 'total (3 files)           72.5     20.0    23.6        1.5    23.9      7.5']);
  });
});
