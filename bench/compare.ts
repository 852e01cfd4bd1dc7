/** `npm run bench -- --compare previous.json`: every numeric figure of two bench results, side by side. */

/** Every numeric leaf of a bench result as `path.to.figure` → value (arrays of raw samples are left out). */
export function flattenFigures(value: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'number' && Number.isFinite(v)) out.set(path, v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    }
  };
  walk(value, prefix);
  return out;
}

export interface FigureRow {
  figure: string;
  previous?: number;
  current?: number;
  /** current / previous; absent when either side lacks the figure or the previous one is 0. */
  ratio?: number;
}

/** One row per figure present in either run, in the current run's order, then those only the previous run had. */
export function compareFigures(previous: unknown, current: unknown): FigureRow[] {
  const prev = flattenFigures(previous);
  const cur = flattenFigures(current);
  const keys = [...cur.keys(), ...[...prev.keys()].filter((k) => !cur.has(k))];
  return keys.map((figure) => {
    const p = prev.get(figure);
    const c = cur.get(figure);
    const ratio = p !== undefined && c !== undefined && p !== 0 ? Number((c / p).toFixed(3)) : undefined;
    return { figure, previous: p, current: c, ratio };
  });
}

/** The rows as an aligned text table: figure, previous, current, ratio (`—` where a side is missing). */
export function formatComparison(rows: FigureRow[]): string {
  const cell = (n?: number) => (n === undefined ? '—' : String(n));
  const table = [['figure', 'previous', 'current', 'current/previous'], ...rows.map((r) => [r.figure, cell(r.previous), cell(r.current), r.ratio === undefined ? '—' : `${r.ratio}×`])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
