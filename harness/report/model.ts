/**
 * The report as data (report.json): test results per scenario file joined with the recorded events —
 * clusters with their live topology, boots with serial phases, commands, k3s tables, failures with their
 * serial tails, and where each file's time went. Pure apart from the `serial` reader it is given; unit-tested.
 */
import { parseBoots, type SerialBoot } from './boot.js';
import type { K3sNodeRow, K3sPodRow, RecordEvent, RecordedText } from './events.js';
import { buildTimeline, type Timeline } from './timeline.js';
import { runTimings, type Timings } from './timings.js';
import { applyChanges, netemLabel, type Topology, type TopologyChange } from './topology.js';

export type TestState = 'passed' | 'failed' | 'skipped' | 'pending';

export interface ErrorView {
  message: string;
  stack?: string;
}

/** One test as the runner reported it. */
export interface TestInput {
  id: string;
  name: string;
  fullName: string;
  state: TestState;
  durationMs?: number;
  /** Why it was skipped (ctx.skip(note)), or the mode (skip, todo). */
  skipNote?: string;
  errors: ErrorView[];
}

/** One scenario (or unit test) file as the runner reported it. */
export interface FileInput {
  file: string;
  relFile: string;
  project: string;
  state: string;
  /** Tests and hooks. */
  durationMs?: number;
  /** Before them: the runner's and environment's preparation, setup files and importing the file. */
  setupMs?: number;
  /** Errors outside tests (collection, beforeAll/afterAll). */
  errors: ErrorView[];
  tests: TestInput[];
}

export interface RunInput {
  startedAt: number;
  endedAt: number;
  files: FileInput[];
  unhandledErrors: ErrorView[];
}

export interface SerialTail {
  cluster: string;
  machine: string;
  up?: boolean;
  lines: string[];
}

export interface TestView extends TestInput {
  /** Last serial lines of the machines at the failure (failed tests only). */
  serialTails: SerialTail[];
  /** How to re-enter a failed test from its checkpoint, when it has one. */
  rewind?: string;
}

export interface CommandView {
  seq: number;
  t: number;
  test?: string;
  command: RecordedText;
  status: number;
  ms: number;
  timedOut: boolean;
  stdout: RecordedText;
  stderr: RecordedText;
}

export interface BootView {
  spawnAt: number;
  readyMs?: number;
  doneMs: number;
  restored?: { name: string; createdAt: string };
  /** Phases on the guest's clock, from the serial log (absent for restores). */
  serial?: SerialBoot;
  /** Consecutive phases on the host clock (firmware, kernel, initramfs, systemd, setup) that add up to doneMs. */
  phases?: { name: string; ms: number }[];
}

export interface MachineView {
  name: string;
  boots: BootView[];
  commands: CommandView[];
  /** Serial log: path relative to the report dir, its line count and last lines. */
  serial?: { file?: string; lines: number; tail: string[] };
}

export interface ClusterView {
  id: string;
  name?: string;
  file?: string;
  /** Topology at the end (cut links, partitions and netem still in force). */
  topology: Topology;
  /** Topology at the first failed test (faults in force then; the harness resets them after each test). */
  atFailure?: { test: string; t: number; topology: Topology };
  /** Every fault applied, in order, with a label. */
  faults: { t: number; test?: string; label: string }[];
  machines: MachineView[];
  k3s: { t: number; test?: string; nodes: K3sNodeRow[]; pods: K3sPodRow[] }[];
}

export interface FileView extends Omit<FileInput, 'tests'> {
  tests: TestView[];
  clusters: ClusterView[];
  /** The file's machines, faults, nemeses and tests over its time (files with a cluster). */
  timeline?: Timeline;
}

export interface ReportData {
  generatedAt: string;
  durationMs: number;
  /** Tests by state; fileErrors: files with an error outside any test (collection, hooks). */
  counts: { files: number; passed: number; failed: number; skipped: number; fileErrors: number };
  files: FileView[];
  /** Clusters whose file is not part of this run (e.g. started by a nested run, or the REPL's). */
  otherClusters: ClusterView[];
  /** The timeline of those clusters. */
  otherTimeline?: Timeline;
  unhandledErrors: ErrorView[];
  /** Where each file's wall time went (images, boots, restores, tests, the rest), costliest first. */
  timings: Timings;
}

/** Number of serial lines kept inline per machine. */
export const SERIAL_TAIL_LINES = 300;

function changeLabel(c: TopologyChange): string {
  if (c.kind === 'link') return `${c.machine}: ${c.nics.join(', ')} ${c.up ? 'restored' : 'cut'}`;
  if (c.kind === 'partition') return `partition ${c.a.join(', ')} | ${c.b.join(', ')}`;
  if (c.kind === 'heal') return 'heal: partitions removed';
  return `${c.machine}: netem on ${c.iface} ${c.spec ? netemLabel(c.spec) : 'removed'}`;
}

/** Builds clusters from events; `serial(cluster, machine)` returns the serial log text and its report path. */
export function buildClusters(events: RecordEvent[], serial: (cluster: string, machine: string, rel?: string) => { text: string; file?: string } | undefined): ClusterView[] {
  const clusters = new Map<string, { view: ClusterView; base: Topology; changes: { t: number; c: TopologyChange }[]; serialRel: Record<string, string> }>();
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (e.kind === 'cluster') {
      clusters.set(e.topology.cluster, {
        view: { id: e.topology.cluster, name: e.name, file: e.scope.file, topology: e.topology, faults: [], k3s: [], machines: e.topology.machines.map((m) => ({ name: m.name, boots: [], commands: [] })) },
        base: e.topology,
        changes: [],
        serialRel: {},
      });
      continue;
    }
    const c = e.cluster ? clusters.get(e.cluster) : undefined;
    if (!c) continue;
    const machine = (name: string) => c.view.machines.find((m) => m.name === name);
    if (e.kind === 'boot') machine(e.machine)?.boots.push({ spawnAt: e.spawnAt, readyMs: e.readyMs, doneMs: e.doneMs, restored: e.restored, phases: e.phases });
    else if (e.kind === 'command') {
      machine(e.machine)?.commands.push({ seq: e.seq, t: e.t, test: e.scope.test, command: e.command, status: e.status, ms: e.ms, timedOut: e.timedOut, stdout: e.stdout, stderr: e.stderr });
    } else if (e.kind === 'change') {
      c.changes.push({ t: e.t, c: e.change });
      c.view.faults.push({ t: e.t, test: e.scope.test, label: changeLabel(e.change) });
    } else if (e.kind === 'k3s') c.view.k3s.push({ t: e.t, test: e.scope.test, nodes: e.nodes, pods: e.pods });
    else if (e.kind === 'stop') Object.assign(c.serialRel, e.serial);
    else if (e.kind === 'failure' && e.scope.test && !c.view.atFailure) {
      c.view.atFailure = { test: e.scope.test, t: e.t, topology: applyChanges(c.base, c.changes.map((x) => x.c)) };
    }
  }
  return [...clusters.values()].map((c) => {
    c.view.topology = applyChanges(c.base, c.changes.map((x) => x.c));
    for (const m of c.view.machines) {
      const s = serial(c.view.id, m.name, c.serialRel[m.name]);
      if (!s) continue;
      const lines = s.text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      m.serial = { file: s.file, lines: lines.length, tail: lines.slice(-SERIAL_TAIL_LINES) };
      const boots = parseBoots(s.text);
      for (const b of m.boots) {
        if (b.restored) continue;
        const near = boots.filter((x) => x.kind === 'cold' && x.at).map((x) => ({ x, d: Math.abs(Date.parse(x.at!) - b.spawnAt) })).sort((p, q) => p.d - q.d)[0];
        if (near && near.d < 10_000) b.serial = near.x;
      }
    }
    return c.view;
  });
}

/** Joins the run's results with the clusters; failed tests get the serial tails recorded at their failure. */
export function buildReport(run: RunInput, events: RecordEvent[], clusters: ClusterView[]): ReportData {
  const failures = events.filter((e): e is Extract<RecordEvent, { kind: 'failure' }> => e.kind === 'failure');
  const files: FileView[] = run.files.map((f) => {
    const own = clusters.filter((c) => c.file === f.file);
    const tests = f.tests.map((t): TestView => {
      if (t.state !== 'failed') return { ...t, serialTails: [] };
      // The first record per cluster (the harness records before its diagnostics and fault reset; the setup file after).
      const first = failures.filter((e, i, all) => e.scope.test === t.id && all.findIndex((x) => x.scope.test === t.id && x.cluster === e.cluster) === i);
      const recorded = first.flatMap((e) => e.machines.map((m) => ({ cluster: e.cluster ?? '', machine: m.name, up: m.up, lines: m.serialTail })));
      // No failure record (the cluster was already gone): the end of each machine's serial log instead.
      const fallback = own.flatMap((c) => c.machines.filter((m) => m.serial).map((m) => ({ cluster: c.id, machine: m.name, lines: m.serial!.tail.slice(-25) })));
      const rewind = first.find((e) => e.rewind)?.rewind;
      return { ...t, serialTails: recorded.length ? recorded : fallback, ...(rewind ? { rewind } : {}) };
    });
    const ids = new Set(own.map((c) => c.id));
    const timeline = buildTimeline(events.filter((e) => (e.cluster !== undefined && ids.has(e.cluster)) || (e.kind === 'test' && e.scope.file === f.file)));
    return { ...f, tests, clusters: own, timeline };
  });
  const all = files.flatMap((f) => f.tests);
  const count = (s: TestState) => all.filter((t) => t.state === s).length;
  const others = clusters.filter((c) => !run.files.some((f) => f.file === c.file));
  const otherIds = new Set(others.map((c) => c.id));
  return {
    generatedAt: new Date(run.endedAt).toISOString(),
    durationMs: run.endedAt - run.startedAt,
    counts: { files: files.length, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), fileErrors: files.filter((f) => f.errors.length).length },
    files,
    otherClusters: others,
    otherTimeline: buildTimeline(events.filter((e) => e.cluster !== undefined && otherIds.has(e.cluster))),
    unhandledErrors: run.unhandledErrors,
    timings: runTimings(run.files, events),
  };
}
