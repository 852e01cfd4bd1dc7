import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenariosOnDisk } from './scenarios-on-disk.js';

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
  parallel?: { matrix: { SCENARIO: string[] }[] };
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } };
}
const config = () => parse(text, { merge: true }) as Record<string, GitLabJob>;

/** Schema errors as `path: message` lines (empty when valid). */
function schemaErrors(doc: unknown): string[] {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`);
}

/** A job with its `extends` template merged in (one level, as used here). */
function resolved(name: string): GitLabJob {
  const c = config();
  const j = c[name];
  return j.extends ? { ...c[j.extends], ...j } : j;
}

const matrixJobs = () => Object.keys(config()).filter((k) => config()[k].parallel);

describe('.gitlab-ci.yml', () => {
  it("validates against GitLab's CI JSON schema", () => {
    expect(schemaErrors(parse(text, { merge: true }))).toEqual([]);
  });

  it('the schema check rejects what GitLab rejects (a misspelt keyword, a matrix that is not a list)', () => {
    expect(schemaErrors({ ...parse(text, { merge: true }), smoke: { scirpt: ['true'] } })).toContain('/smoke: must NOT have additional properties');
    expect(schemaErrors({ ...parse(text, { merge: true }), smoke: { script: ['true'], parallel: { matrix: { SCENARIO: 'smoke' } } } })).toContain('/smoke/parallel/matrix: must be array');
  });

  it('its matrices together list every scenario file on disk, once', () => {
    const listed = matrixJobs().flatMap((k) => config()[k].parallel!.matrix.flatMap((m) => m.SCENARIO));
    expect([...listed].sort()).toEqual(scenariosOnDisk());
  });

  it('k3s scenarios run in the job that requires k3s and restores its cache; the others do not need it', () => {
    const k3s = resolved('k3s-scenario');
    expect(k3s.parallel!.matrix[0].SCENARIO.every((s) => s.startsWith('k3s-'))).toBe(true);
    expect(k3s.variables?.N3X_REQUIRE_K3S).toBe('1');
    expect(k3s.cache?.map((c) => c.key)).toEqual(['n3x-images', 'n3x-k3s-$N3X_K3S_VERSION']);
    // k3s-preflight and k3s-rehearsal (a stand-in) need no k3s: they run with the other scenarios.
    const needsNoK3s = ['k3s-preflight', 'k3s-rehearsal'];
    expect(k3s.parallel!.matrix[0].SCENARIO.some((s) => needsNoK3s.includes(s))).toBe(false);
    expect(resolved('scenario').parallel!.matrix[0].SCENARIO.filter((s) => s.startsWith('k3s-'))).toEqual(needsNoK3s);
    expect(config().k3s.variables?.N3X_REQUIRE_K3S).toBe('1');
  });

  it('VM jobs run the ci/ scripts on kvm runners, pull the image the image job pushed, keep JUnit and serial logs always', () => {
    expect(config()['base-image'].cache).toEqual([{ key: 'n3x-images', paths: ['.cache/n3x/images'], policy: 'pull-push' }]);
    for (const name of matrixJobs()) {
      const j = resolved(name);
      expect(j.tags).toEqual(['kvm']);
      expect(j.needs).toEqual(['unit', 'base-image', 'k3s']);
      expect(j.script).toEqual(['bash ci/run-scenario.sh "$SCENARIO"']);
      expect(j.cache?.[0]).toEqual({ key: 'n3x-images', paths: ['.cache/n3x/images'], policy: 'pull' });
      expect(j.artifacts).toMatchObject({ when: 'always', paths: ['artifacts/'], reports: { junit: 'artifacts/$SCENARIO/junit.xml' } });
    }
  });

  it('every job is bounded and every script line calls ci/, npm or the n3x CLI', () => {
    const jobs = Object.entries(config()).filter(([k, v]) => !k.startsWith('.') && typeof v === 'object' && !Array.isArray(v) && k !== 'variables');
    for (const [name] of jobs) {
      const j = resolved(name);
      expect(j.timeout, name).toMatch(/^\d+m$/);
      for (const line of j.script ?? []) expect(line).toMatch(/^bash ci\/|^npm ci\b|^npx tsx harness\/cli\/main\.ts /);
    }
  });
});
