/**
 * Where each file's wall time went, in seconds: images made ready, cold boots, restores, the tests themselves,
 * and the rest (imports, hooks, cluster set-up and teardown). Each part is wall time, counted once: boots
 * that overlap (a cluster's machines start together) count as long as they ran, and a boot or restore inside
 * a test counts as boot or restore, not test. Costliest files first. Pure: the runner's files and the recorded
 * events in, numbers and a text table out; unit-tested.
 */
import type { RecordEvent } from './events.js';

/** Seconds of one file (or all of them), each part counted once; they add up to `wall` unless `other` was floored at 0. */
export interface TimingParts {
  wall: number;
  image: number;
  boot: number;
  restore: number;
  test: number;
  other: number;
}

export interface FileTimings extends TimingParts {
  /** The file relative to the project root. */
  file: string;
  project: string;
  /** Images this file built (cache hits not counted). */
  built: string[];
}

export interface Timings {
  files: FileTimings[];
  total: TimingParts;
}

/** A file as the runner reported it (the report model's FileInput is one). */
export interface TimedFile {
  file: string;
  relFile: string;
  project: string;
  /** Tests and hooks, and what came before them (preparation, setup files, import). */
  durationMs?: number;
  setupMs?: number;
  tests: { durationMs?: number }[];
}

type Span = [from: number, to: number];

/** Spans merged where they overlap, in order. */
function merged(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const length = (spans: Span[]) => merged(spans).reduce((s, [a, b]) => s + b - a, 0);

/** The parts of `spans` that `by` does not cover. */
function minus(spans: Span[], by: Span[]): Span[] {
  const cut = merged(by);
  return merged(spans).flatMap(([a, b]) => {
    const out: Span[] = [];
    let from = a;
    for (const [c, d] of cut) {
      if (d <= from || c >= b) continue;
      if (c > from) out.push([from, c]);
      from = Math.max(from, d);
    }
    if (from < b) out.push([from, b]);
    return out;
  });
}

const overlap = (spans: Span[], with_: Span[]) => length(spans) - length(minus(spans, with_));
const seconds = (ms: number) => Math.round(ms) / 1000;

/** Each test's span from its recorded begin to its end (a test without an end is left out). */
function testSpans(events: RecordEvent[]): Span[] {
  const begun = new Map<string, number>();
  const out: Span[] = [];
  for (const e of events) {
    if (e.kind !== 'test' || !e.scope.test) continue;
    if (e.phase === 'begin') begun.set(e.scope.test, e.t);
    else if (e.phase === 'end' && begun.has(e.scope.test)) out.push([begun.get(e.scope.test)!, e.t]);
  }
  return out;
}

/** One file's timings from its runner result and the events recorded while it ran (scope.file is this file). */
export function fileTimings(f: TimedFile, events: RecordEvent[]): FileTimings {
  const image: Span[] = [];
  const boot: Span[] = [];
  const restore: Span[] = [];
  const built = new Set<string>();
  for (const e of events) {
    if (e.kind === 'image') {
      image.push([e.t - e.ms, e.t]);
      if (e.built) built.add(e.name);
    } else if (e.kind === 'boot') (e.restored ? restore : boot).push([e.spawnAt, e.spawnAt + e.doneMs]);
  }
  const testSum = f.tests.reduce((s, t) => s + (t.durationMs ?? 0), 0);
  const wallMs = (f.durationMs ?? testSum) + (f.setupMs ?? 0);
  const bootOnly = minus(boot, image);
  const restoreOnly = minus(restore, [...image, ...boot]);
  const inTests = overlap([...image, ...boot, ...restore], testSpans(events));
  const parts = { image: length(image), boot: length(bootOnly), restore: length(restoreOnly), test: Math.max(0, testSum - inTests) };
  const other = Math.max(0, wallMs - parts.image - parts.boot - parts.restore - parts.test);
  return { file: f.relFile, project: f.project, wall: seconds(wallMs), image: seconds(parts.image), boot: seconds(parts.boot), restore: seconds(parts.restore), test: seconds(parts.test), other: seconds(other), built: [...built] };
}

/** Every file's timings, costliest first, and their totals. */
export function runTimings(files: TimedFile[], events: RecordEvent[]): Timings {
  const out = files.map((f) => fileTimings(f, events.filter((e) => e.scope.file === f.file))).sort((a, b) => b.wall - a.wall);
  const sum = (k: keyof TimingParts) => seconds(out.reduce((s, f) => s + f[k] * 1000, 0));
  return { files: out, total: { wall: sum('wall'), image: sum('image'), boot: sum('boot'), restore: sum('restore'), test: sum('test'), other: sum('other') } };
}

const COLUMNS = ['wall', 'image', 'boot', 'restore', 'test', 'other'] as const;

/** The timings as a text table (seconds, one decimal), costliest first; `top` keeps only that many files. */
export function timingsTable(t: Timings, top = t.files.length): string {
  const shown = t.files.slice(0, top);
  const rows = [...shown.map((f) => [f.file, ...COLUMNS.map((k) => f[k].toFixed(1))]), [`total (${t.files.length} file${t.files.length === 1 ? '' : 's'})`, ...COLUMNS.map((k) => t.total[k].toFixed(1))]];
  const head = ['file', ...COLUMNS.map((k) => `${k} s`)];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd();
  const cut = t.files.length > shown.length ? [`… ${t.files.length - shown.length} cheaper file(s) not shown`] : [];
  return [line(head), ...rows.slice(0, -1).map(line), ...cut, line(rows.at(-1)!)].join('\n');
}
