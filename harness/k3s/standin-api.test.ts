/** The k3s-standin's (NOT k3s) label selectors and query parsing, run locally with bash and jq. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { STANDIN_NAME, standinBinary } from '../../scenarios/lib/k3s-standin.js';

const standin = standinBinary().path!;
const run = (...args: string[]) => spawnSync('bash', [standin, ...args], { encoding: 'utf8' }).stdout.trim();
const selected = (labels: Record<string, string>, sel: string) => run('__standin-selected', JSON.stringify(labels), sel) === 'true';

describe(`${STANDIN_NAME} label selectors, as the API server reads them`, () => {
  const cp = { 'kubernetes.io/hostname': 'n100-1', 'node-role.kubernetes.io/control-plane': 'true' };
  const agent = { 'kubernetes.io/hostname': 'n100-4' };
  it('equality (= and ==), inequality, existence and absence; every term must hold; empty selects all', () => {
    expect(selected(cp, 'node-role.kubernetes.io/control-plane=true')).toBe(true);
    expect(selected(agent, 'node-role.kubernetes.io/control-plane=true')).toBe(false);
    expect(selected(cp, 'node-role.kubernetes.io/control-plane==true')).toBe(true);
    expect(selected(cp, 'kubernetes.io/hostname!=n100-1')).toBe(false);
    expect(selected(agent, '!node-role.kubernetes.io/control-plane')).toBe(true);
    expect(selected(agent, 'node-role.kubernetes.io/control-plane')).toBe(false);
    expect(selected(cp, '!node-role.kubernetes.io/control-plane')).toBe(false);
    expect(selected(cp, 'node-role.kubernetes.io/control-plane,kubernetes.io/hostname=n100-2')).toBe(false);
    expect(selected(agent, '')).toBe(true);
  });
  it('query parameters are URL-decoded (client-node encodes / and =)', () => {
    expect(run('__standin-query', '/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane%3Dtrue&watch=true', 'labelSelector')).toBe('node-role.kubernetes.io/control-plane=true');
    expect(run('__standin-query', '/api/v1/nodes?watch=true', 'watch')).toBe('true');
    expect(run('__standin-query', '/api/v1/nodes', 'watch')).toBe('');
  });
});
