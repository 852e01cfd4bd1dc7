import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { scenariosOnDisk } from './scenarios-on-disk.js';
import { GLOBAL_KEYS, parseGitLab, referenceErrors, resolveExtends } from './gitlab-checks.js';
import { allScenarioNeeds, imagePlan, planId } from '../harness/images/plan.js';
import { jobMinutes, k3sKvmBudgets } from './k3s-timeouts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const text = readFileSync(`${root}.gitlab-ci.yml`, 'utf8');
// GitLab's published CI schema (origin and licence: ci/schemas/README.md).
const schema = JSON.parse(readFileSync(`${root}ci/schemas/gitlab-ci.json`, 'utf8')) as object;

interface GitLabJob {
  extends?: string;
  tags?: string[];
  needs?: string[];
  timeout?: string;
  script?: string[];
  variables?: Record<string, string>;
  cache?: { key: string; paths: string[]; policy?: string }[];
  parallel?: { matrix: Record<string, string[] | string>[] };
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } };
}
const config = () => resolveExtends(parseGitLab(text)) as Record<string, GitLabJob>;

/** Schema errors as `path: message` lines (empty when valid). */
function schemaErrors(doc: unknown): string[] {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`);
}
/** Every check GitLab would make before running anything: references, then the schema on the resolved file. */
const allErrors = (t: string) => {
  const doc = parseGitLab(t);
  const refs = referenceErrors(doc);
  return refs.length ? refs : schemaErrors(resolveExtends(doc));
};
const misspelt = (from: string, to: string) => {
  expect(text, `${from} is in .gitlab-ci.yml`).toContain(from);
  return text.replace(from, to);
};
const matrixJobs = () => Object.keys(config()).filter((k) => (config()[k] as GitLabJob).parallel?.matrix?.[0]?.SCENARIO);
const scenariosOf = (job: string) => resolvedMatrix(job).map((m) => m.SCENARIO).flat();
const resolvedMatrix = (job: string) => (config()[job] as GitLabJob).parallel!.matrix as { SCENARIO: string[]; IMAGE2?: string; IMAGE3?: string }[];

describe('.gitlab-ci.yml', () => {
  it("resolves (anchors, extends), references only defined stages, jobs and templates, and validates against GitLab's CI JSON schema", () => {
    expect(allErrors(text)).toEqual([]);
  });

  it('each misspelling fails: expire_inn and an unknown key in the hidden template, a stage, a needs and an extends that do not exist', () => {
    expect(allErrors(misspelt('    expire_in: 1 week', '    expire_inn: 1 week'))).toEqual(expect.arrayContaining(['/scenario/artifacts: must NOT have additional properties']));
    expect(allErrors(misspelt('  timeout: 60m\n  variables:\n    N3X_ACCEL', '  timeout: 60m\n  retries: 2\n  variables:\n    N3X_ACCEL'))).toEqual(expect.arrayContaining(['/scenario: must NOT have additional properties']));
    expect(allErrors(misspelt('.scenario:\n  stage: scenarios\n', '.scenario:\n  stage: scenario\n'))).toEqual([".scenario: stage 'scenario' is not in stages (validate, test, prepare, scenarios, .pre, .post)"]);
    expect(allErrors(misspelt('needs: [validate, unit, images, k3s]', 'needs: [validate, unit, image, k3s]'))).toEqual([".scenario: needs 'image', which is not a job"]);
    expect(allErrors(misspelt('scenario:\n  extends: .scenario', 'scenario:\n  extends: .scenarios'))).toEqual(["scenario: extends '.scenarios', which is not defined"]);
  });

  it('the schema check rejects what GitLab rejects (a misspelt keyword, a matrix that is not a list)', () => {
    expect(schemaErrors({ ...config(), smoke: { scirpt: ['true'] } })).toContain('/smoke: must NOT have additional properties');
    expect(schemaErrors({ ...config(), smoke: { script: ['true'], parallel: { matrix: { SCENARIO: 'smoke' } } } })).toContain('/smoke/parallel/matrix: must be array');
  });

  it('its matrices together list every scenario file on disk, once', () => {
    expect(matrixJobs().flatMap(scenariosOf).sort()).toEqual(scenariosOnDisk());
  });

  it('k3s scenarios (from the scenario files, incl. mixed-arch-k3s with the arm64 k3s) run in the job that requires k3s and pulls both k3s caches', () => {
    const needK3s = allScenarioNeeds().filter((n) => n.k3s.length).map((n) => n.scenario).sort();
    expect(needK3s).toContain('mixed-arch-k3s');
    expect(scenariosOf('k3s-scenario').sort()).toEqual(needK3s);
    const k3s = config()['k3s-scenario'];
    expect(k3s.variables?.N3X_REQUIRE_K3S).toBe('1');
    expect(k3s.cache?.map((c) => c.key)).toEqual(expect.arrayContaining(['n3x-k3s-amd64-$N3X_K3S_VERSION', 'n3x-k3s-arm64-$N3X_K3S_VERSION']));
    expect((config().k3s as GitLabJob & { parallel: { matrix: { K3S_ARCH: string[] }[] } }).parallel.matrix[0].K3S_ARCH).toEqual(['amd64', 'arm64']);
  });

  it('every image of the plan once (the images matrix); each matrix entry pulls exactly the images its scenarios need', () => {
    const plan = imagePlan();
    expect((config().images as GitLabJob & { parallel: { matrix: { IMAGE: string[] }[] } }).parallel.matrix[0].IMAGE).toEqual(plan.map(planId));
    for (const job of matrixJobs()) {
      for (const m of resolvedMatrix(job)) {
        for (const s of m.SCENARIO) {
          const want = plan.filter((p) => p.scenarios.includes(s)).map(planId).sort();
          expect(['debian-x86_64', m.IMAGE2, m.IMAGE3].filter(Boolean).sort(), s).toEqual(want);
        }
      }
    }
  });

  it("every job running a k3s scenario has a timeout that covers the scenario's KVM budget plus set-up", () => {
    const budgets = k3sKvmBudgets();
    expect(Object.keys(budgets)).toContain('k3s-longhorn');
    const jobOf = (s: string) => matrixJobs().find((j) => scenariosOf(j).includes(s));
    for (const [s, seconds] of Object.entries(budgets)) {
      const job = jobOf(s);
      expect(job, s).toBeDefined();
      const minutes = Number(/^(\d+)m$/.exec(config()[job!].timeout ?? '')?.[1]);
      expect(minutes, `${s} in ${job}: KVM budget ${seconds} s`).toBeGreaterThanOrEqual(jobMinutes(seconds));
    }
  });

  it('VM jobs require KVM first, run the ci/ scripts on kvm runners, keep JUnit and serial logs always', () => {
    for (const name of matrixJobs()) {
      const j = config()[name];
      expect(j.tags).toEqual(['kvm']);
      expect(j.variables?.N3X_ACCEL).toBe('kvm');
      expect(j.needs).toEqual(['validate', 'unit', 'images', 'k3s']);
      expect(j.script).toEqual(['node ci/require-kvm.mjs', 'bash ci/run-scenario.sh "$SCENARIO"']);
      expect(j.artifacts).toMatchObject({ when: 'always', paths: ['artifacts/'], reports: { junit: 'artifacts/$SCENARIO/junit.xml' } });
    }
  });

  it('bench: on the default branch and by hand, needed by no job, KVM first; passes its per-branch cached JSON (else the default branch\'s) to ci/bench.sh, keeps artifacts/bench.json always', () => {
    const all = config();
    const bench = all.bench as GitLabJob & { rules?: { if: string }[]; cache: { key: string; paths: string[]; policy?: string; fallback_keys?: string[] }[] };
    expect(bench.rules?.map((r) => r.if)).toEqual(['$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', '$CI_PIPELINE_SOURCE == "web"']);
    expect(Object.entries(all).filter(([k, j]) => !GLOBAL_KEYS.has(k) && (j as GitLabJob).needs?.includes('bench'))).toEqual([]);
    expect(bench.tags).toEqual(['kvm']);
    expect(bench.variables?.N3X_ACCEL).toBe('kvm');
    const json = bench.cache.find((c) => c.key.startsWith('n3x-bench-json-'));
    expect(json).toMatchObject({ key: 'n3x-bench-json-$CI_COMMIT_REF_SLUG', fallback_keys: ['n3x-bench-json-$CI_DEFAULT_BRANCH'], paths: ['.cache/n3x-bench'], policy: 'pull-push' });
    // ci/bench.sh passes its first argument to --compare (ci/bench.test.ts): the cached file.
    expect(bench.script).toEqual(['node ci/require-kvm.mjs', `bash ci/bench.sh ${json!.paths[0]}/bench.json`]);
    expect(bench.artifacts).toMatchObject({ when: 'always', paths: ['artifacts/bench.json'] });
    const images = bench.cache.filter((c) => c.key.startsWith('n3x-image-')).map((c) => c.key.replace('n3x-image-', ''));
    expect(images).toEqual(['debian-x86_64', 'debian-aarch64']); // the base images its figures boot (aarch64: perArch)
    expect(imagePlan().map(planId)).toEqual(expect.arrayContaining(images));
  });

  it('validation first (typecheck, lint, host tests with the NixOS check); unit needs nothing but node', () => {
    expect(config().validate.script).toEqual(['npm ci --no-audit --no-fund', 'npm run typecheck', 'npm run lint', 'bash ci/unit.sh host']);
    expect(config().unit.script).toEqual(['npm ci --no-audit --no-fund --ignore-scripts', 'bash ci/unit.sh unit']);
    expect((parseGitLab(text).stages as string[])[0]).toBe('validate');
  });

  it('every job is bounded and every script line calls ci/, npm or the n3x CLI', () => {
    for (const [name, j] of Object.entries(config()).filter(([k]) => !GLOBAL_KEYS.has(k))) {
      expect(j.timeout, name).toMatch(/^\d+m$/);
      for (const line of j.script ?? []) expect(line).toMatch(/^bash ci\/|^node ci\/|^npm (ci|run \w+)\b|^npx tsx harness\/cli\/main\.ts /);
    }
  });
});
