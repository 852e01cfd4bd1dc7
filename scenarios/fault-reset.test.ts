/**
 * Faults do not leak between tests: useCluster heals partitions, restores cut links and removes netem after each
 * test (resetFaults, on by default), and a failed test's dump says what was still in effect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { useCluster } from '../harness/vitest.js';
import { ping } from './lib/net.js';

describe.sequential('fault reset between tests', () => {
  const h = useCluster({ profile: 'simple', nodes: 2, snapshot: 'booted' });

  it('a test leaves a cut link, netem and a partition behind', async () => {
    await h.m('n100-1').setLink('eth1', false);
    await h.m('n100-2').netem('eth1', { delayMs: 200 });
    await h.cluster.partition(['n100-1'], ['n100-2']);
    expect(h.cluster.faults()).toEqual([
      'partition {n100-1} | {n100-2}',
      'n100-1: link eth1 cut',
      'n100-2: netem on eth1 {"delayMs":200}',
    ]);
    expect((await ping(h.m('n100-2'), h.cluster.address('n100-1'), { count: 1 })).received).toBe(0);
  });

  it('an unknown node name throws, listing the known ones (never a made-up address)', () => {
    expect(() => h.cluster.address('node-1')).toThrow(/no machine 'node-1'.*use one of n100-1, n100-2/);
    expect(() => h.cluster.address6('node-1', 'storage')).toThrow(/no machine 'node-1'/);
    expect(() => h.m('node-1')).toThrow(/no machine 'node-1'/);
    expect(h.cluster.address('n100-2')).toBe('192.168.1.2');
  });

  it('the next test starts with every link up, no netem and no partition', async () => {
    expect(h.cluster.faults()).toEqual([]);
    const s = await ping(h.m('n100-2'), h.cluster.address('n100-1'), { count: 3 });
    expect(s.received).toBe(3);
    expect(await h.m('n100-2').succeed('tc qdisc show dev eth1')).not.toMatch(/netem/);
    expect(await h.m('n100-1').succeed('tc qdisc show dev eth1 ingress')).toBe(''); // partition filters gone
  });
});

describe('a failed test\'s dump names the faults in effect', () => {
  const artifacts = mkdtempSync(join(tmpdir(), 'n3x-faults-'));
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  it('runs a scenario that fails between block() and unblock(): the dump lists them, the next test is clean', async () => {
    const run = await execa('npx', ['vitest', 'run', '--config', 'fixtures/faults/vitest.config.ts'], { env: { N3X_ARTIFACTS: artifacts }, reject: false, all: true });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('faults in effect when the test ended: n100-1: link eth1 cut; n100-2: netem on eth1 {"delayMs":100}');
    expect(run.all).toMatch(/✓.*the next test starts on a clean network/);
  });
});
