import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useScratchDir } from '../testing/scratch.js';
import { ConfigError } from '../errors.js';
import { acquireBuildLock, ensureImage, validateImage, type ImageReady } from './cache.js';
import { imageName, withPackages } from './recipe.js';

const dir = useScratchDir('n3x-lock-');
afterEach(() => vi.unstubAllEnvs());

/** A stand-in for images/debian/build.sh in its own recipe dir: writes a direct-boot image's three files, then `more`. */
function standInRecipe(name: string, more = ''): string {
  const recipeDir = join(dir, name);
  mkdirSync(recipeDir);
  writeFileSync(join(recipeDir, 'build.sh'), `mkdir -p "$1" && for f in disk.qcow2 vmlinuz initrd.img; do echo x > "$1/$f"; done\n${more}`);
  return recipeDir;
}

describe('image build lock', () => {
  it('lets one holder in at a time; the next gets it once released', async () => {
    const path = join(dir, 'img.lock');
    const order: string[] = [];
    const releaseA = await acquireBuildLock(path);
    order.push('A in');
    const b = acquireBuildLock(path).then((release) => {
      order.push('B in');
      return release;
    });
    await new Promise((r) => setTimeout(r, 1500));
    order.push('A out');
    await releaseA();
    await (await b)();
    expect(order).toEqual(['A in', 'A out', 'B in']);
  });

  it('gives up with a timeout that names the lock', async () => {
    const path = join(dir, 'busy.lock');
    const release = await acquireBuildLock(path);
    await expect(acquireBuildLock(path, 1500)).rejects.toThrow(/busy\.lock/);
    await release();
  });
});

describe('validateImage (images you bring)', () => {
  const disk = join(dir, 'disk.qcow2');
  const touch = (p: string) => writeFileSync(p, '');
  it('a disk alone boots through firmware; kernel and initrd come together; firmware only without a kernel', () => {
    touch(disk);
    touch(join(dir, 'k'));
    touch(join(dir, 'i'));
    expect(validateImage({ disk })).toEqual({ disk, id: 'custom' });
    expect(validateImage({ disk, firmware: 'uefi' })).toEqual({ disk, firmware: 'uefi', id: 'custom' });
    expect(validateImage({ disk, kernel: join(dir, 'k'), initrd: join(dir, 'i') }).kernel).toBe(join(dir, 'k'));
    expect(() => validateImage({ disk, kernel: join(dir, 'k') })).toThrow(/kernel and initrd come together/);
    expect(() => validateImage({ disk, kernel: join(dir, 'k'), initrd: join(dir, 'i'), firmware: 'bios' })).toThrow(ConfigError);
    expect(() => validateImage({ disk, firmware: 'coreboot' as 'bios' })).toThrow(/'bios' \(SeaBIOS\) or 'uefi'/);
    expect(() => validateImage({ disk: join(dir, 'missing.qcow2') })).toThrow(/file not found/);
  });
});

describe('ensureImage', () => {
  it('describes a freshly built image by the files the build wrote (a kernel: direct boot), as a cached one', async () => {
    const recipeDir = standInRecipe('recipe');
    vi.stubEnv('N3X_CACHE_DIR', join(dir, 'cache'));
    const built = await ensureImage({ name: 'fixture', dir: recipeDir });
    expect(built.kernel).toMatch(/vmlinuz$/);
    expect(built.initrd).toMatch(/initrd\.img$/);
    expect(await ensureImage({ name: 'fixture', dir: recipeDir })).toEqual(built);
  });
});

describe('ensureImage of a derived recipe', () => {
  it('builds the base first and hands its rootfs.tar to the derived build (N3X_BASE_ROOTFS); none when the base kept no tree', async () => {
    // A base build writes rootfs.tar (unless NO_TAR), every build records what it was given.
    const recipeDir = standInRecipe('derived-recipe', 'if [ -z "$N3X_EXTRA_PACKAGES" ] && [ -z "$NO_TAR" ]; then echo tree > "$1/rootfs.tar"; fi\n' + 'echo "extra=$N3X_EXTRA_PACKAGES base=${N3X_BASE_ROOTFS:-none}" >> "$LOG"\n');
    const log = join(dir, 'builds.log');
    vi.stubEnv('N3X_CACHE_DIR', join(dir, 'cache-derived'));
    vi.stubEnv('LOG', log);
    const derived = await ensureImage(withPackages({ name: 'fixture', dir: recipeDir }, ['keepalived']));
    const base = await ensureImage({ name: 'fixture', dir: recipeDir });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['extra= base=none', `extra=keepalived base=${join(dirname(base.disk), 'rootfs.tar')}`]);
    expect(derived.disk).not.toBe(base.disk);
    // A base built without the tree (an older n3x): the derived image is a full build.
    vi.stubEnv('N3X_CACHE_DIR', join(dir, 'cache-old-base'));
    vi.stubEnv('NO_TAR', '1');
    await ensureImage(withPackages({ name: 'fixture', dir: recipeDir }, ['keepalived']));
    expect(readFileSync(log, 'utf8').trim().split('\n').slice(2)).toEqual(['extra= base=none', 'extra=keepalived base=none']);
  });
});

describe('ensureImage onReady', () => {
  it('tells a derived build its base first, both built, then a cache hit as not built', async () => {
    const recipeDir = standInRecipe('ready-recipe');
    vi.stubEnv('N3X_CACHE_DIR', join(dir, 'cache-ready'));
    const told: ImageReady[] = [];
    const derived = withPackages({ name: 'fixture', dir: recipeDir }, ['keepalived']);
    await ensureImage(derived, { onReady: (r) => told.push(r) });
    await ensureImage(derived, { onReady: (r) => told.push(r) });
    expect(told.map((r) => [r.name, r.built])).toEqual([
      [imageName({ name: 'fixture', dir: recipeDir }), true],
      [imageName(derived), true],
      [imageName(derived), false],
    ]);
    expect(told[1].ms).toBeGreaterThanOrEqual(told[0].ms); // the base was made ready inside the derived build
  });
});
