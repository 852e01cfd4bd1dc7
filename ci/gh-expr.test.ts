import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate } from './gh-expr.js';

const ctx = { env: { N3X_CACHE_DIR: '/w/.cache/n3x' }, matrix: { arch: 'arm64' }, steps: { restore: { outputs: { 'cache-hit': 'true' } }, plan: { outputs: { k3s: 'amd64,arm64', 'host-needs': '' } } }, strategy: { 'job-index': 3 } };

describe('GitHub expressions, as the rehearsal evaluates them', () => {
  it('the forms the workflow uses', () => {
    expect(interpolate('${{ env.N3X_CACHE_DIR }}/images', ctx)).toBe('/w/.cache/n3x/images');
    expect(evaluate("matrix.arch == 'arm64' && 'k3s-arm64' || 'k3s'", ctx)).toBe('k3s-arm64');
    expect(evaluate("steps.plan.outputs.k3s != '' && '1' || ''", ctx)).toBe('1');
    expect(evaluate("env.N3X_ARTIFACT_NAME || format('n3x-scenario-{0}', strategy.job-index)", ctx)).toBe('n3x-scenario-3');
    expect(evaluate("contains(steps.plan.outputs.k3s, 'arm64')", ctx)).toBe(true);
  });

  it('if: skips on a cache hit, runs always() steps after a failure, and refuses what it does not know', () => {
    expect(condition("steps.restore.outputs.cache-hit != 'true'", ctx, 'success')).toBe(false);
    expect(condition("steps.plan.outputs.host-needs != ''", ctx, 'success')).toBe(false);
    expect(condition('always()', ctx, 'failure')).toBe(true);
    expect(condition(undefined, ctx, 'failure')).toBe(false);
    expect(() => evaluate('hashFiles(\'x\')', ctx)).toThrow(/hashFiles\(\) is not rehearsed/);
  });
});
