import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratchDir } from '../testing/scratch.js';
import { debianRecipe, imageName } from '../images/recipe.js';
import { nodeRecipes, resolveNodeImages } from './nodeimages.js';

const dir = useScratchDir('n3x-nodeimg-');

describe('node images', () => {
  it('groups nodes by package set (cluster defaults + their own): equal sets share one image, none boots the base', () => {
    const r = nodeRecipes({ packages: ['tcpdump'] }, [
      { name: 'a', packages: ['keepalived'] },
      { name: 'b', packages: ['keepalived', 'tcpdump'] },
      { name: 'c' },
      { name: 'd', packages: ['nfs-common'] },
    ]);
    const names = Object.fromEntries([...r].map(([n, rec]) => [n, imageName(rec)]));
    expect(names.a).toBe(names.b);
    expect(new Set(Object.values(names)).size).toBe(3);
    expect(r.get('c')!.packages).toEqual(['tcpdump']);
    expect(nodeRecipes({}, [{ name: 'x' }]).get('x')).toBe(debianRecipe);
  });

  it('refuses extra packages on a custom image before building anything', async () => {
    await expect(resolveNodeImages({ image: { disk: '/nonexistent', kernel: '/k', initrd: '/i' } }, [{ name: 'a', packages: ['keepalived'] }])).rejects.toThrow(/custom image/);
  });

  it('gives aarch64 nodes the arm64 recipe (with their packages), x86_64 nodes the base one', () => {
    const r = nodeRecipes({}, [{ name: 'n1' }, { name: 'j1', arch: 'aarch64' }, { name: 'j2', arch: 'aarch64', packages: ['keepalived'] }]);
    expect(r.get('n1')).toBe(debianRecipe);
    expect(imageName(r.get('j1')!)).toMatch(/^debian-aarch64-[0-9a-f]{16}$/);
    expect(imageName(r.get('j2')!)).toMatch(/^debian-aarch64\+pkgs-[0-9a-f]{16}$/);
  });

  it('refuses one custom image for nodes of two architectures', async () => {
    await expect(resolveNodeImages({ image: { disk: '/d', kernel: '/k', initrd: '/i' } }, [{ name: 'a' }, { name: 'j', arch: 'aarch64' }])).rejects.toThrow(/x86_64 and aarch64/);
  });

  it('a node\'s own image wins over the cluster\'s; a disk alone is a firmware boot; packages on it are refused', async () => {
    const own = join(dir, 'own.qcow2');
    const shared = join(dir, 'shared.qcow2');
    for (const f of [own, shared, join(dir, 'k'), join(dir, 'i')]) writeFileSync(f, '');
    const imgs = await resolveNodeImages({ image: { disk: shared, kernel: join(dir, 'k'), initrd: join(dir, 'i') } }, [
      { name: 'a', image: { disk: own, firmware: 'uefi' } },
      { name: 'b' },
    ]);
    expect(imgs.a).toEqual({ disk: own, firmware: 'uefi', id: 'custom' });
    expect(imgs.b.disk).toBe(shared);
    await expect(resolveNodeImages({}, [{ name: 'a', image: { disk: own }, packages: ['keepalived'] }])).rejects.toThrow(/a ask for extra packages on a custom image/);
    // Every node's files are checked before anything is built.
    await expect(resolveNodeImages({}, [{ name: 'a' }, { name: 'b', image: { disk: join(dir, 'none.qcow2') } }])).rejects.toThrow(/none\.qcow2/);
  });
});
