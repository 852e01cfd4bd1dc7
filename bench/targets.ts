/**
 * Issue 28's performance targets beside a bench result: each figure the bench measures, in its target's unit, and
 * whether it meets the target. A figure the run did not measure (skipped by `--skip-cold-build` or `--only`) has
 * no value and no verdict; the suite's own wall time is not a bench figure (the run report's timings hold it).
 */
import { flattenFigures } from './compare.js';

export type TargetUnit = 'ms' | 's' | 'min';

export interface Target {
  figure: string;
  /** Where the bench JSON holds it (`path.to.figure`, in ms); none for the suite's own timing. */
  from?: string;
  /** At most this, in `unit`. */
  target: number;
  unit: TargetUnit;
}

export interface TargetRow {
  figure: string;
  from?: string;
  /** This run's figure in `unit` (ms to 2 decimals, s to 0.01 s); null when not measured. */
  now: number | null;
  target: number;
  unit: TargetUnit;
  /** now ≤ target; null when not measured. */
  met: boolean | null;
  /** Why there is no value. */
  note?: string;
}

export const SUITE_NOTE = 'measured by the suite: see the run report timings (npx n3x timings)';
export const NOT_MEASURED = 'not measured in this run (skipped by --skip-cold-build or --only)';

/** The targets of issue 28, in its table's order of cost. */
export const TARGETS: Target[] = [
  { figure: 'npm test, warm caches', target: 20, unit: 'min' },
  { figure: 'npm test, clean clone incl. every image', target: 30, unit: 'min' },
  { figure: 'derived image (base + a package set), cold', from: 'imageBuild.derivedColdMs', target: 30, unit: 's' },
  { figure: 'base image, cold', from: 'imageBuild.coldMs', target: 60, unit: 's' },
  { figure: 'restore formed 3-node etcd → healthy', from: 'snapshots.restoreMedianMs', target: 1.5, unit: 's' },
  { figure: '3-node cold boot → all ready', from: 'threeNodeVlans.coldBootToAllReadyMs', target: 12, unit: 's' },
  { figure: '1 VM boot → backdoor', from: 'singleVm.bootToReadyMs', target: 5, unit: 's' },
  { figure: "succeed('true') p95", from: 'singleVm.succeedTrue.p95Ms', target: 15, unit: 'ms' },
];

const fromMs = (ms: number, unit: TargetUnit) => Number((unit === 'ms' ? ms : unit === 's' ? ms / 1000 : ms / 60_000).toFixed(2));

/** One row per target: the bench result's figure converted from ms to the target's unit, and its verdict. */
export function targetRows(result: unknown, targets = TARGETS): TargetRow[] {
  const figures = flattenFigures(result);
  return targets.map(({ figure, from, target, unit }) => {
    if (!from) return { figure, now: null, target, unit, met: null, note: SUITE_NOTE };
    const ms = figures.get(from);
    if (ms === undefined) return { figure, from, now: null, target, unit, met: null, note: NOT_MEASURED };
    const now = fromMs(ms, unit);
    return { figure, from, now, target, unit, met: now <= target };
  });
}

/** The rows as an aligned text table: figure, now, target, met (`—` and the note where there is no value). */
export function formatTargets(rows: TargetRow[]): string {
  const table = [
    ['figure', 'now', 'target', 'met'],
    ...rows.map((r) => [r.figure, r.now === null ? '—' : `${r.now} ${r.unit}`, `≤ ${r.target} ${r.unit}`, r.met === null ? `— ${r.note ?? ''}`.trimEnd() : r.met ? 'yes' : 'no']),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}
