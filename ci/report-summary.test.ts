import { mkdirSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../harness/report/model.js';
import { findReports, SUMMARY_MAX, summaryMarkdown } from './report-summary.js';
import { testScratchDir } from '../harness/testing/scratch.js';

const report = (message: string) =>
  buildReport(
    {
      startedAt: 0,
      endedAt: 61_000,
      unhandledErrors: [],
      files: [{
        file: '/r/scenarios/a.test.ts', relFile: 'scenarios/a.test.ts', project: 'vm', state: 'failed', durationMs: 60_000, errors: [],
        tests: [
          { id: '1', name: 'ok', fullName: 'a > ok', state: 'passed', errors: [] },
          { id: '2', name: 'bad', fullName: 'a > bad', state: 'failed', errors: [{ message }] },
          { id: '3', name: 'k3s', fullName: 'a > k3s', state: 'skipped', skipNote: 'set N3X_K3S_BINARY', errors: [] },
        ],
      }],
    },
    [],
    [],
  );

describe('CI summary', () => {
  it('gives counts, a row per file, the failure and the skip reason', () => {
    const md = summaryMarkdown(report('[n100-1] command failed with status 1\n  command: false'), 'n3x-smoke');
    expect(md).toContain('### ❌ n3x: 1 passed, 1 failed, 1 skipped (61.0 s)');
    expect(md).toContain('| `scenarios/a.test.ts` | failed | 1 | 1 | 1 | 60.0 s |');
    expect(md).toContain('**failed: a > bad** (`scenarios/a.test.ts`)\n```\n[n100-1] command failed with status 1\n  command: false\n```');
    expect(md).toContain('- skipped: a > k3s: set N3X_K3S_BINARY');
    expect(md).toContain('in the `n3x-smoke` artifact');
  });

  it('stays under the size cap for huge errors', () => {
    expect(summaryMarkdown(report('x'.repeat(200_000))).length).toBeLessThan(SUMMARY_MAX + 100);
  });

  it('finds report.json files of every scenario under artifacts/', () => {
    const dir = testScratchDir('n3x-sum-');
    for (const d of ['report', 'smoke/report']) {
      mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, d, 'report.json'), '{}');
    }
    expect(findReports(dir)).toEqual([join(dir, 'report/report.json'), join(dir, 'smoke/report/report.json')]);
  });
});
