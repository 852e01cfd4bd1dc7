/** An image recipe is a folder (build.sh + everything it reads); its id is a hash of every file in it. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Recipe {
  name: string;
  dir: string;
}

/** The built-in Debian bookworm guest. */
export const debianRecipe: Recipe = {
  name: 'debian',
  dir: fileURLToPath(new URL('../../images/debian', import.meta.url)),
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** Content hash of the recipe folder: file paths, modes and bytes, plus build-affecting env. */
export function recipeHash(r: Recipe, env: NodeJS.ProcessEnv = process.env): string {
  const h = createHash('sha256');
  h.update(`suite=${env.N3X_DEBIAN_SUITE ?? 'bookworm'}\n`);
  for (const f of walk(r.dir)) {
    h.update(`${relative(r.dir, f)}\0${statSync(f).mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
