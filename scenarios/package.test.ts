/**
 * The package as a repository of your own uses it: this checkout packed (`npm pack`), installed into a fresh
 * project (harness/arch/install.ts: dependencies from this checkout, no network), and a one-machine scenario
 * written against `n3x-harness` and `n3x-harness/vitest` run there under Vitest.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'n3x-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The nested Vitest's own temp dir (`<TMPDIR>/<id>/ssr`; a run that dies leaves it) goes into `dir` with the rest.
const nestedTmp = join(dir, '.tmp');

const SCENARIO = `import { expect, it } from 'vitest';
import { useCluster } from 'n3x-harness/vitest';

const h = useCluster({ profile: 'simple', nodes: ['solo'] });

it('boots one machine and runs a command on it', async () => {
  expect(await h.m('solo').succeed('hostname')).toBe('solo\\n');
  await h.m('solo').waitForUnit('multi-user.target', { timeout: 300 });
});
`;

it('runs a one-machine scenario in a fresh project that installed the packed package', async () => {
  await execa('npx', ['tsx', 'harness/arch/install.ts', dir]);
  writeFileSync(join(dir, 'solo.test.ts'), SCENARIO);
  mkdirSync(nestedTmp);
  const r = await execa('npx', ['vitest', 'run', 'solo.test.ts'], { cwd: dir, reject: false, env: { N3X_REPORT_DIR: '', TMPDIR: nestedTmp }, all: true });
  expect(r.exitCode, r.all).toBe(0);
  expect(r.all).toMatch(/1 passed/);
}, 900_000);
