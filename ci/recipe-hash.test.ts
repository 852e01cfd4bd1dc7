import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testScratchDir } from '../harness/testing/scratch.js';
import { debianRecipe, recipeHash } from '../harness/images/recipe.js';
import { recipeHashOf } from './recipe-hash.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('ci/recipe-hash.mjs (the CI image cache key, computed before npm ci)', () => {
  it('prints what harness/images/recipe.ts computes for the Debian recipe, with plain node', () => {
    const out = execFileSync('node', [join(root, 'ci/recipe-hash.mjs')], { encoding: 'utf8', env: { PATH: process.env.PATH } }).trim();
    expect(out).toMatch(/^[0-9a-f]{16}$/);
    expect(out).toBe(recipeHash(debianRecipe, {}));
  });

  it('agrees with recipe.ts on nested files, executable bits and the suite', () => {
    const dir = testScratchDir('n3x-recipe-');
    mkdirSync(join(dir, 'overlay/etc'), { recursive: true });
    writeFileSync(join(dir, 'build.sh'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'overlay/etc/hostname'), 'n3x\n');
    writeFileSync(join(dir, 'packages.txt'), 'systemd\n');
    const both = (env: NodeJS.ProcessEnv) => [recipeHashOf(dir, env), recipeHash({ name: 't', dir }, env)];
    const seen = new Set<string>();
    for (const step of [() => undefined, () => chmodSync(join(dir, 'build.sh'), 0o755), () => writeFileSync(join(dir, 'overlay/etc/hostname'), 'x\n')]) {
      step();
      for (const env of [{}, { N3X_DEBIAN_SUITE: 'trixie' }]) {
        const [a, b] = both(env);
        expect(a).toBe(b);
        seen.add(a);
      }
    }
    expect(seen.size).toBe(6);
  });
});
