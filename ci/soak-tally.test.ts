import { describe, expect, it } from 'vitest';
import { brokenFiles, firstLine, tally, type VitestJson } from './soak-tally.js';

const run = (status: string, msg?: string): VitestJson => ({
  testResults: [{ name: '/repo/scenarios/a.test.ts', assertionResults: [
    { fullName: 'a › steady', status: 'passed' },
    { fullName: 'a › flaky', status, failureMessages: msg ? [msg] : [] },
  ] }],
});

describe('soak tally', () => {
  it('counts passes and failures per test across runs, flaky first, with the run and first line of each failure', () => {
    const rows = tally([run('passed'), run('failed', '\x1b[31mAssertionError: expected 1 to be 0\x1b[39m\n    at x.ts:1'), run('passed')], '/repo');
    expect(rows[0]).toEqual({ file: 'scenarios/a.test.ts', test: 'a › flaky', passed: 2, failed: 1, skipped: 0, failures: [{ run: 2, firstLine: 'AssertionError: expected 1 to be 0' }] });
    expect(rows[1]).toMatchObject({ test: 'a › steady', passed: 3, failed: 0 });
  });

  it('counts skipped tests apart from passes', () => {
    expect(tally([run('skipped')]).find((t) => t.test === 'a › flaky')).toMatchObject({ test: 'a › flaky', passed: 0, skipped: 1 });
  });

  it('first line: skips blank lines, strips colours', () => {
    expect(firstLine('\n\n  \x1b[1mError\x1b[22m: boom\nstack')).toBe('Error: boom');
    expect(firstLine('')).toBe('(empty failure message)');
  });

  it('reports a file that failed with no failed test (a throwing hook)', () => {
    const r = { testResults: [{ name: 'f.ts', status: 'failed', message: 'Error: beforeAll hook timed out', assertionResults: [{ fullName: 't', status: 'skipped' }] }] };
    expect(brokenFiles([r])).toEqual([{ run: 1, file: 'f.ts', message: 'Error: beforeAll hook timed out' }]);
  });
});
