import { describe, expect, it } from 'vitest';
import { compareFigures, flattenFigures, formatComparison } from './compare.js';
import { targetRows } from './targets.js';

describe('flattenFigures', () => {
  it('keeps numeric leaves under dotted paths and leaves out strings, booleans and sample arrays', () => {
    const f = flattenFigures({ date: 'x', accel: 'tcg', singleVm: { bootToReadyMs: 11300, succeedTrue: { n: 200, medianMs: 40.3 } }, snapshots: { restoreMs: [1, 2], ok: true } });
    expect([...f]).toEqual([
      ['singleVm.bootToReadyMs', 11300],
      ['singleVm.succeedTrue.n', 200],
      ['singleVm.succeedTrue.medianMs', 40.3],
    ]);
  });
});

describe('compareFigures', () => {
  it('gives each figure its ratio to the previous run, and marks a figure missing on either side', () => {
    const rows = compareFigures({ a: { ms: 40 }, gone: 3 }, { a: { ms: 4 }, added: 7 });
    expect(rows).toEqual([
      { figure: 'a.ms', previous: 40, current: 4, ratio: 0.1 },
      { figure: 'added', previous: undefined, current: 7, ratio: undefined },
      { figure: 'gone', previous: 3, current: undefined, ratio: undefined },
    ]);
  });
  it("reads a result with its targets array (bench/targets.ts): each figure compared once under its own key, no row for the targets", () => {
    const run = (bootMs: number) => {
      const r: Record<string, unknown> = { singleVm: { bootToReadyMs: bootMs } };
      r.targets = targetRows(r);
      return JSON.parse(JSON.stringify(r)) as unknown; // as --compare reads it back from N3X_BENCH_OUT
    };
    expect(compareFigures(run(6300), run(5000))).toEqual([{ figure: 'singleVm.bootToReadyMs', previous: 6300, current: 5000, ratio: 0.794 }]);
  });
  it('has no ratio against a previous 0', () => {
    expect(compareFigures({ x: 0 }, { x: 5 })[0].ratio).toBeUndefined();
  });
});

describe('formatComparison', () => {
  it('prints one aligned line per figure with a dash for a missing side', () => {
    const text = formatComparison(compareFigures({ a: 40, gone: 3 }, { a: 4, added: 7 }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^figure\s+previous\s+current\s+current\/previous$/);
    expect(lines[1]).toMatch(/^a\s+40\s+4\s+0\.1×$/);
    expect(lines[2]).toMatch(/^added\s+—\s+7\s+—$/);
    expect(lines[3]).toMatch(/^gone\s+3\s+—\s+—$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});
