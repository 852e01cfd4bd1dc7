import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratchDir } from '../testing/scratch.js';
import { acquireBuildLock } from './cache.js';

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
