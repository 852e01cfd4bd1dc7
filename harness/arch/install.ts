/**
 * Packs this checkout (`npm pack`) and installs the tarball into a fresh project, as a repository of your own
 * would have it: the package unpacked into node_modules/n3x-harness (what npm does with a tarball) and its
 * dependencies taken from this checkout's node_modules (symlinked: no network). The project gets the
 * vitest.config.ts and tsconfig.json that the README shows. Run directly: `tsx harness/arch/install.ts DIR`.
 */
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const CONSUMER_VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // n3x-harness ships TypeScript: let Vitest compile it like your own files.
    server: { deps: { inline: ['n3x-harness'] } },
  },
});
`;

export const CONSUMER_TSCONFIG = JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, lib: ['ES2022', 'ESNext.Disposable'], types: ['node'] } }, null, 2);

/** Packs the checkout at `root` and installs it into a new project at `dir`; returns `dir`. */
export async function installPacked(root: string, dir: string): Promise<string> {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  const { stdout } = await execa('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root });
  const tarball = join(dir, stdout.trim().split('\n').pop()!);
  mkdirSync(join(dir, 'node_modules', 'n3x-harness'));
  await execa('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules', 'n3x-harness'), '--strip-components=1']);
  for (const dep of readdirSync(join(root, 'node_modules'))) {
    if (dep === 'n3x-harness' || dep === '.package-lock.json') continue;
    symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-cluster-tests', private: true, type: 'module', devDependencies: { 'n3x-harness': `file:${tarball}` } }, null, 2));
  writeFileSync(join(dir, 'vitest.config.ts'), CONSUMER_VITEST_CONFIG);
  writeFileSync(join(dir, 'tsconfig.json'), CONSUMER_TSCONFIG);
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  console.log(await installPacked(root, resolve(process.argv[2] ?? '.')));
}
