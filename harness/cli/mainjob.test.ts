import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { chooseMainJob } from './mainjob.js';

describe('n3x run <scenario>', () => {
  const known = ['etcd-ha', 'network-simple'];
  const exists = (s: string) => known.includes(s);
  it('accepts a scenario by name, file name or path', () => {
    for (const n of ['etcd-ha', 'etcd-ha.test.ts', 'scenarios/etcd-ha.test.ts']) expect(chooseMainJob({}, exists, n, () => known).scenario).toBe('etcd-ha');
  });
  it('refuses an unknown one and names those that exist', () => {
    expect(() => chooseMainJob({}, exists, 'etcd', () => known)).toThrow(/no scenario 'etcd'.*name one of: etcd-ha, network-simple/);
  });
  it('the CLI lists the real scenarios and exits 2', async () => {
    const r = await execa('npx', ['tsx', 'harness/cli/main.ts', 'run', 'no-such-scenario'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no scenario 'no-such-scenario'.*name one of: .*network-simple.*smoke/);
  });
});
