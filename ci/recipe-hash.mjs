// @ts-check
/**
 * The base image's recipe hash with nothing but Node (no npm install, no npx): CI computes its image cache key
 * before `npm ci`. An independent implementation of harness/images/recipe.ts `recipeHash`; ci/recipe-hash.test.ts
 * checks that both agree. usage: node ci/recipe-hash.mjs [RECIPE_DIR]   (default images/debian)
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_RECIPE_DIR = fileURLToPath(new URL('../images/debian', import.meta.url));

/** @param {string} dir @returns {string[]} every file below dir, depth-first, sorted per level */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * sha256 over the suite, then each file's relative path, executable bit and bytes; first 16 hex digits.
 * @param {string} dir recipe folder
 * @param {NodeJS.ProcessEnv} env reads N3X_DEBIAN_SUITE
 */
export function recipeHashOf(dir, env = process.env) {
  const h = createHash('sha256');
  h.update(`suite=${env.N3X_DEBIAN_SUITE ?? 'bookworm'}\n`);
  for (const f of files(dir)) {
    h.update(`${relative(dir, f)}\0${statSync(f).mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(recipeHashOf(process.argv[2] ?? DEFAULT_RECIPE_DIR));
}
