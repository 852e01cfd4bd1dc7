/**
 * The run report as a Vitest reporter: at the start it empties <artifacts>/report and points the workers'
 * recorder at it (N3X_REPORT_DIR); at the end it writes index.html and report.json there and prints the
 * file:// link as the last line; with N3X_TIMINGS=1 the timings table (where each file's time went) before it.
 * `n3xReport()` is a Vite plugin that adds the reporter even when reporters are given on the command line
 * (which replaces the config's list).
 */
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Vite } from 'vitest/node';
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import { artifactsDir } from '../util/paths.js';
import { readRecords, reportLine, writeReport } from './build.js';
import type { ErrorView, FileInput, TestInput } from './model.js';
import { runTimings, timingsTable } from './timings.js';

const toError = (e: { message?: string; stack?: string; name?: string }): ErrorView => ({ message: `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(e)}`, stack: e.stack });

function testInput(t: TestCase): TestInput {
  const r = t.result();
  const d = t.diagnostic();
  return {
    id: t.id,
    name: t.name,
    fullName: t.fullName,
    state: r.state,
    durationMs: d?.duration,
    skipNote: r.state === 'skipped' ? (r.note ?? (t.options.mode === 'todo' ? 'todo' : t.options.mode === 'skip' ? 'skip' : undefined)) : undefined,
    errors: (r.errors ?? []).map(toError),
  };
}

function fileInput(m: TestModule, root: string): FileInput {
  const suites: (TestModule | TestSuite)[] = [m, ...m.children.allSuites()];
  const d = m.diagnostic();
  return {
    file: m.moduleId,
    relFile: relative(root, m.moduleId),
    project: m.project.name || 'default',
    state: m.state(),
    durationMs: d.duration,
    setupMs: d.prepareDuration + d.environmentSetupDuration + d.setupDuration + d.collectDuration,
    errors: suites.flatMap((s) => s.errors()).map(toError),
    tests: [...m.children.allTests()].map(testInput),
  };
}

/**
 * Where a run writes its report: `<artifacts>/report`, unless an outer run is recording there (N3X_REPORT_DIR,
 * inherited by a run a scenario starts, e.g. reaper's or rewind's): then `<that>-nested-<pid>`, so that the nested
 * run neither empties nor mixes into the outer run's records (it did: the outer report lost every earlier file's events).
 */
export function reportDirFor(own: string, inherited: string | undefined, pid: number): string {
  return inherited && resolve(inherited) === own ? `${own}-nested-${pid}` : own;
}

export class N3xReportReporter implements Reporter {
  private dir = '';
  private root = process.cwd();
  private startedAt = Date.now();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.dir = reportDirFor(resolve(artifactsDir(), 'report'), process.env.N3X_REPORT_DIR, process.pid);
    this.startedAt = Date.now();
    rmSync(this.dir, { recursive: true, force: true });
    process.env.N3X_REPORT_DIR = this.dir; // forked workers inherit it
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    try {
      const run = { startedAt: this.startedAt, endedAt: Date.now(), files: modules.map((m) => fileInput(m, this.root)), unhandledErrors: unhandled.map(toError) };
      const events = readRecords(this.dir);
      const index = writeReport(this.dir, run, events);
      const timings = process.env.N3X_TIMINGS === '1' ? `\n${timingsTable(runTimings(run.files, events))}\n` : '';
      process.stdout.write(`${timings}\n${reportLine(index)}\n`);
    } catch (e) {
      process.stderr.write(`\nn3x report: could not be written: ${(e as Error).stack ?? e}\n`);
    }
  }
}

const added = new WeakSet<object>();

/** Vite plugin: adds the n3x report reporter to every run (once, whatever --reporter says). */
export function n3xReport(): Vite.Plugin {
  return {
    name: 'n3x:report',
    configureVitest({ vitest }) {
      if (added.has(vitest)) return;
      added.add(vitest);
      vitest.config.reporters.push(new N3xReportReporter());
    },
  };
}
