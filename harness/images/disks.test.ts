import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { backingOf, createBlankDisk, createOverlay, rebaseDisk } from './disks.js';

// Real qcow2 files (qemu-img, qemu-io), a few MiB: no VM.
describe('disk overlays and rebase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-disks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (f: string, byte: number, at: string) => execa('qemu-io', ['-f', 'qcow2', '-c', `write -P ${byte} ${at} 64k`, f]);
  const read = async (f: string, byte: number, at: string) => (await execa('qemu-io', ['-f', 'qcow2', '-r', '-c', `read -P ${byte} ${at} 64k`, f], { reject: false })).stdout;

  it('an overlay writes nothing to what it is made over; a rebased copy stands on its own', async () => {
    const base = join(dir, 'base.qcow2');
    const snap = join(dir, 'snap.qcow2');
    const run = join(dir, 'run.qcow2');
    await createBlankDisk(base, 1);
    await write(base, 0x11, '0');
    await createOverlay(base, snap);
    await write(snap, 0x22, '1M');
    const before = statSync(snap);
    await createOverlay(snap, run);
    expect(await backingOf(run)).toBe(snap);
    await write(run, 0x33, '2M');
    expect(statSync(snap).mtimeMs).toBe(before.mtimeMs); // the snapshot's disk is never written
    expect(await read(snap, 0, '2M')).not.toMatch(/Pattern verification failed/);
    // Rebased onto the base: the copy no longer needs snap, and reads the same.
    await rebaseDisk(run, base);
    expect(await backingOf(run)).toBe(base);
    rmSync(snap);
    for (const [b, at] of [[0x11, '0'], [0x22, '1M'], [0x33, '2M']] as const) expect(await read(run, b, at)).not.toMatch(/Pattern verification failed/);
    // Onto nothing: a standalone disk.
    await rebaseDisk(run, undefined);
    expect(await backingOf(run)).toBeUndefined();
    rmSync(base);
    for (const [b, at] of [[0x11, '0'], [0x22, '1M'], [0x33, '2M']] as const) expect(await read(run, b, at)).not.toMatch(/Pattern verification failed/);
  });
});
