import { afterEach, describe, expect, it } from 'vitest';

import { join } from 'node:path';
import { holdSlot, needsSlot, slotCommand } from './slot.js';
import { useScratchDir } from './scratch.js';

describe('slotCommand', () => {
  it('holds the lock file shared or exclusive with flock until stdin closes, within the wait', () => {
    expect(slotCommand('/s/vm-slot.lock', 'shared', 60)).toEqual(['flock', '--shared', '--wait', '60', '/s/vm-slot.lock', '-c', 'echo held; exec cat >/dev/null']);
    expect(slotCommand('/s/vm-slot.lock', 'exclusive', 5)[1]).toBe('--exclusive');
  });
});

describe('needsSlot', () => {
  it('is false inside a holder (N3X_VM_SLOT inherited by a nested run), true otherwise', () => {
    expect(needsSlot({})).toBe(true);
    expect(needsSlot({ N3X_VM_SLOT: 'exclusive' })).toBe(false);
  });
});

describe('holdSlot (flock(1), present on every Debian and Ubuntu host)', () => {
  const path = join(useScratchDir('n3x-slot-'), 'vm-slot.lock');
  afterEach(() => {
    delete process.env.N3X_VM_SLOT;
  });

  it('two shared holders hold it at once; an exclusive one waits for both to release', async () => {
    const a = await holdSlot('shared', 'a', { timeout: 5, path });
    const b = await holdSlot('shared', 'b', { timeout: 5, path });
    let got = false;
    const x = holdSlot('exclusive', 'x', { timeout: 10, path }).then((h) => ((got = true), h));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    await a.release();
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    await b.release();
    const held = await x;
    expect(held.mode).toBe('exclusive');
    await held.release();
  });

  it('a holder sets N3X_VM_SLOT for nested runs and clears it on release', async () => {
    const h = await holdSlot('shared', 'n', { timeout: 5, path });
    expect(process.env.N3X_VM_SLOT).toBe('shared');
    await h.release();
    expect(process.env.N3X_VM_SLOT).toBeUndefined();
  });

  it('gives up after its wait with an error naming the way out', async () => {
    const x = await holdSlot('exclusive', 'x', { timeout: 5, path });
    await expect(holdSlot('shared', 's', { timeout: 1, path })).rejects.toThrow(/VM slot was not free within 1 s[\s\S]*N3X_VM_JOBS=1/);
    await x.release();
  });
});
