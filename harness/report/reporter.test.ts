import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule, Vitest } from 'vitest/node';
import { useScratchDir } from '../testing/scratch.js';
import type { RecordEvent } from './events.js';
import type { ReportData } from './model.js';
import { N3xReportReporter, reportDirFor } from './reporter.js';

const dir = useScratchDir('n3x-reporter-');
const root = '/repo';
const file = '/repo/scenarios/smoke.test.ts';
const T0 = Date.parse('2026-12-03T10:00:00.000Z');

// A stand-in for Vitest's TestModule with what the reporter reads: one passed test, 8 s of tests and hooks after 2 s of set-up.
const module = {
  moduleId: file,
  project: { name: 'vm' },
  state: () => 'passed',
  diagnostic: () => ({ duration: 8000, prepareDuration: 500, environmentSetupDuration: 0, setupDuration: 500, collectDuration: 1000 }),
  errors: () => [],
  children: {
    allSuites: () => [],
    allTests: () => [{ id: 't1', name: 'boots', fullName: 'smoke > boots', options: { mode: 'run' }, result: () => ({ state: 'passed', errors: [] }), diagnostic: () => ({ duration: 3000 }) }],
  },
} as unknown as TestModule;
const boot: RecordEvent = { t: T0 + 5000, scope: { file }, cluster: 'ab12', kind: 'boot', machine: 'n1', spawnAt: T0, readyMs: 4000, doneMs: 5000 };

/** Runs the reporter over the stand-in run (its worker's one boot record written as a worker would); returns what it printed. */
function runReporter(): string {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const r = new N3xReportReporter();
  r.onInit({ config: { root } } as Vitest);
  mkdirSync(join(dir, 'report', 'records'), { recursive: true });
  writeFileSync(join(dir, 'report', 'records', '1.jsonl'), `${JSON.stringify(boot)}\n`);
  r.onTestRunEnd([module], []);
  vi.mocked(process.stdout.write).mockRestore();
  return out.join('');
}

describe('the report reporter', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("a run started inside a run that records into the same report dir writes its own (<dir>-nested-<pid>), leaving the outer run's records in place", () => {
    vi.stubEnv('N3X_ARTIFACTS', dir);
    const outer = join(dir, 'report');
    mkdirSync(join(outer, 'records'), { recursive: true });
    writeFileSync(join(outer, 'records', '99.jsonl'), `${JSON.stringify(boot)}\n`);
    vi.stubEnv('N3X_REPORT_DIR', outer);
    const r = new N3xReportReporter();
    r.onInit({ config: { root } } as Vitest);
    expect(readFileSync(join(outer, 'records', '99.jsonl'), 'utf8')).toContain('"kind":"boot"');
    expect(process.env.N3X_REPORT_DIR).toBe(`${outer}-nested-${process.pid}`);
    expect(reportDirFor(outer, undefined, 7)).toBe(outer);
    expect(reportDirFor(outer, join(dir, 'elsewhere'), 7)).toBe(outer);
  });

  it("writes each file's timings into report.json, wall time counting the set-up before the tests", () => {
    vi.stubEnv('N3X_ARTIFACTS', dir);
    vi.stubEnv('N3X_REPORT_DIR', undefined);
    vi.stubEnv('N3X_TIMINGS', undefined);
    const printed = runReporter();
    expect(printed).not.toContain('wall s');
    const data = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as ReportData;
    expect(data.timings.files).toEqual([{ file: 'scenarios/smoke.test.ts', project: 'vm', wall: 10, image: 0, boot: 5, restore: 0, test: 3, other: 2, built: [] }]);
  });

  it('with N3X_TIMINGS=1 prints the timings table, the report link still last', () => {
    vi.stubEnv('N3X_ARTIFACTS', dir);
    vi.stubEnv('N3X_REPORT_DIR', undefined);
    vi.stubEnv('N3X_TIMINGS', '1');
    const lines = runReporter().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^n3x report: file:\/\/.*\/report\/index\.html$/);
    expect(lines).toContain('scenarios/smoke.test.ts    10.0      0.0     5.0        0.0     3.0      2.0');
    expect(lines.findIndex((l) => l.startsWith('total (1 file)'))).toBeLessThan(lines.length - 1);
  });
});
