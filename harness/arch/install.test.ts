import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked } from './install.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'n3x-consumer-'));

// What a scenario in a repository of your own starts with (the one-machine run is scenarios/package.test.ts).
const CONSUMER = `import { expect, it } from 'vitest';
import { Machine, startCluster, retryUntil, sleep, type ClusterOptions, type TimeoutOpt } from 'n3x-harness';
import { useCluster, type ClusterHandle } from 'n3x-harness/vitest';

const opts: ClusterOptions = { profile: 'simple', nodes: 1 };
const wait: TimeoutOpt = { timeout: 60 };
it('loads both entries of the installed package', () => {
  expect([typeof Machine, typeof startCluster, typeof retryUntil, typeof sleep, typeof useCluster]).toEqual(Array(5).fill('function'));
  expect(opts.nodes).toBe(1);
  expect(wait.timeout).toBe(60);
  const h: ClusterHandle | undefined = undefined;
  expect(h).toBeUndefined();
});
`;

describe('the packed package in a fresh project', () => {
  beforeAll(async () => {
    await installPacked(root, dir);
    writeFileSync(join(dir, 'entries.test.ts'), CONSUMER);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks a consumer file importing n3x-harness and n3x-harness/vitest', async () => {
    const r = await execa(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', dir], { cwd: dir, reject: false });
    expect(r.stdout + r.stderr).toBe('');
  }, 120_000);

  it('runs that file under Vitest there, both entries loaded from node_modules', async () => {
    const r = await execa('npx', ['vitest', 'run', 'entries.test.ts'], { cwd: dir, reject: false, env: { N3X_REPORT_DIR: '' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 passed/);
  }, 120_000);
});
