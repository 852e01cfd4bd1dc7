import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratchDir } from '../testing/scratch.js';
import { ConfigError } from '../errors.js';
import { acquireBuildLock, ensureImage, validateImage } from './cache.js';

const dir = useScratchDir('n3x-lock-');

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
    const recipeDir = join(dir, 'recipe');
    mkdirSync(recipeDir);
    // A recipe whose build.sh writes a direct-boot image's three files (a stand-in for images/debian/build.sh).
    writeFileSync(join(recipeDir, 'build.sh'), 'mkdir -p "$1" && for f in disk.qcow2 vmlinuz initrd.img; do echo x > "$1/$f"; done\n');
    const saved = process.env.N3X_CACHE_DIR;
    process.env.N3X_CACHE_DIR = join(dir, 'cache');
    try {
      const built = await ensureImage({ name: 'fixture', dir: recipeDir });
      expect(built.kernel).toMatch(/vmlinuz$/);
      expect(built.initrd).toMatch(/initrd\.img$/);
      expect(await ensureImage({ name: 'fixture', dir: recipeDir })).toEqual(built);
    } finally {
      if (saved === undefined) delete process.env.N3X_CACHE_DIR;
      else process.env.N3X_CACHE_DIR = saved;
    }
  });
});
