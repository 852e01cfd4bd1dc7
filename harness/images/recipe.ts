/**
 * An image recipe is a folder (build.sh + everything it reads) plus, for a derived image, extra Debian packages;
 * its id is a hash of every file in the folder and the sorted package list.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { archProfile, type Arch } from '../qemu/arch.js';

export interface Recipe {
  name: string;
  dir: string;
  /** Extra Debian packages installed on top of the folder's packages.txt (a derived image); sorted, unique. */
  packages?: string[];
  /** Guest architecture (default x86_64); build.sh gets its Debian name in N3X_ARCH. */
  arch?: Arch;
  /** Other folders the build reads (e.g. images/contract), hashed with the recipe's own. */
  inputs?: string[];
}

/** The built-in Debian bookworm guest. */
export const debianRecipe: Recipe = {
  name: 'debian',
  dir: fileURLToPath(new URL('../../images/debian', import.meta.url)),
};

/**
 * An example of an image you bring: Debian trixie on a GPT disk with GRUB, booted through firmware, with the
 * contract added by images/contract/add-contract.sh (whose files it reads, so they are hashed too).
 */
export const trixieGrubRecipe: Recipe = {
  name: 'trixie-grub',
  dir: fileURLToPath(new URL('../../images/examples/trixie-grub', import.meta.url)),
  inputs: [fileURLToPath(new URL('../../images/contract', import.meta.url)), fileURLToPath(new URL('../../images/debian/overlay', import.meta.url))],
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
  for (const dir of r.inputs ?? []) {
    for (const f of walk(dir)) {
      h.update(`input:${relative(r.dir, f)}\0${statSync(f).mode & 0o111 ? 'x' : '-'}\0`);
      h.update(readFileSync(f));
      h.update('\0');
    }
  }
  // Only derived images hash their packages: the base image's hash stays what ci/recipe-hash.mjs computes.
  if (r.packages?.length) h.update(`packages=${r.packages.join(',')}\n`);
  // Likewise only a non-x86_64 image hashes its architecture.
  if (r.arch && r.arch !== 'x86_64') h.update(`arch=${archProfile(r.arch).debian}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Debian package names (Debian Policy 5.6.1): lower case, digits, + - . ; at least two characters. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Throws a ConfigError naming the first package that is not a Debian package name. */
export function validatePackages(packages: string[], field = 'packages'): void {
  for (const p of packages) {
    if (typeof p !== 'string' || !PACKAGE_NAME.test(p)) {
      throw new ConfigError(field, `'${String(p)}' is not a Debian package name`, 'use names such as keepalived or nfs-kernel-server (lower case, digits, + - .), no versions or options');
    }
  }
}

/** The recipe of `base` plus extra packages (sorted, deduplicated); `base` itself when there are none. */
export function withPackages(base: Recipe, packages: string[] = []): Recipe {
  validatePackages(packages);
  const list = [...new Set(packages)].sort();
  return list.length ? { ...base, packages: list } : base;
}

/** The recipe of `base` for a guest architecture (`base` itself for x86_64). */
export function withArch(base: Recipe, arch: Arch = 'x86_64'): Recipe {
  if (arch === 'x86_64') {
    if (!base.arch) return base;
    const r = { ...base };
    delete r.arch;
    return r;
  }
  return { ...base, arch };
}

/**
 * The cache entry name of a recipe: `<name>-<hash>` (a derived image is `<name>+pkgs-<hash>`; an aarch64 one
 * `<name>-aarch64-<hash>` or `<name>-aarch64+pkgs-<hash>`).
 */
export function imageName(r: Recipe): string {
  const arch = r.arch && r.arch !== 'x86_64' ? `-${r.arch}` : '';
  return `${r.name}${arch}${r.packages?.length ? '+pkgs' : ''}-${recipeHash(r)}`;
}
