/** Tallies Vitest JSON reports (one per run of the suite) into passes and failures per test. Pure. */

/** The part of Vitest's `--reporter=json` output the tally reads. */
export interface VitestJson {
  testResults: { name: string; status?: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages?: string[] }[] }[];
}

export interface TestTally {
  file: string;
  test: string;
  passed: number;
  failed: number;
  skipped: number;
  /** First line of each failure message, in run order (run number first). */
  failures: { run: number; firstLine: string }[];
}

/** The first non-empty line of a failure message, without ANSI colours. */
export function firstLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\x1b\[[0-9;]*m/g, '');
  return plain.split('\n').map((l) => l.trim()).find(Boolean) ?? '(empty failure message)';
}

/** One row per test seen in any run, keyed by file and full name, sorted: most failures first, then by name. */
export function tally(runs: VitestJson[], root = ''): TestTally[] {
  const rows = new Map<string, TestTally>();
  runs.forEach((r, i) => {
    for (const f of r.testResults) {
      const file = root && f.name.startsWith(root) ? f.name.slice(root.length).replace(/^\//, '') : f.name;
      for (const a of f.assertionResults) {
        const key = `${file}\0${a.fullName}`;
        const row = rows.get(key) ?? { file, test: a.fullName, passed: 0, failed: 0, skipped: 0, failures: [] };
        if (a.status === 'passed') row.passed++;
        else if (a.status === 'failed') {
          row.failed++;
          row.failures.push({ run: i + 1, firstLine: firstLine(a.failureMessages?.[0] ?? '') });
        } else row.skipped++;
        rows.set(key, row);
      }
    }
  });
  return [...rows.values()].sort((a, b) => b.failed - a.failed || a.file.localeCompare(b.file) || a.test.localeCompare(b.test));
}

/** A file that failed to load (syntax error, a throwing beforeAll) has no assertion results: report it per run. */
export function brokenFiles(runs: VitestJson[]): { run: number; file: string; message: string }[] {
  const out: { run: number; file: string; message: string }[] = [];
  runs.forEach((r, i) => {
    for (const f of r.testResults) {
      if (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')) out.push({ run: i + 1, file: f.name, message: firstLine(f.message ?? '') });
    }
  });
  return out;
}
