import { crc32 } from 'node:zlib';
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { age, canonicalJson, checkSnapshot, checksumFile, mismatch, SNAPSHOT_FORMAT, snapshotKey, type SnapshotMeta } from './snapshot.js';
import { testScratchDir } from '../testing/scratch.js';

const inputs = { name: 'booted', image: 'debian-1', nodes: [{ name: 'a', memoryMiB: 1024 }], accel: 'tcg', qemu: 'QEMU 7.2' };

describe('snapshotKey', () => {
  it('ignores key order and changes with any input', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(snapshotKey(Object.fromEntries(Object.entries(inputs).reverse()))).toBe(snapshotKey(inputs));
    for (const changed of [{ image: 'debian-2' }, { accel: 'kvm' }, { qemu: 'QEMU 8.2' }, { nodes: [{ name: 'a', memoryMiB: 2048 }] }, { setup: 'abc' }]) {
      expect(snapshotKey({ ...inputs, ...changed })).not.toBe(snapshotKey(inputs));
    }
    expect(snapshotKey(inputs)).toMatch(/^[0-9a-f]{16}$/);
  });
});

function meta(over: Partial<SnapshotMeta> = {}): SnapshotMeta {
  return {
    format: SNAPSHOT_FORMAT,
    name: 'booted',
    key: snapshotKey(inputs),
    inputs,
    createdAt: '2026-11-26T10:00:00Z',
    macSeed: 'ab12',
    machines: [{ name: 'a', state: { file: 'a/state', size: 4 }, disks: [{ file: 'a/root.qcow2', size: 3 }] }],
    ...over,
  };
}

describe('mismatch', () => {
  it('accepts the same key and machines', () => {
    expect(mismatch(meta(), { key: snapshotKey(inputs), machines: ['a'] })).toBeUndefined();
  });
  it('names the input that changed', () => {
    const want = { ...inputs, accel: 'kvm' };
    expect(mismatch(meta(), { key: snapshotKey(want), machines: ['a'], inputs: want })).toMatch(/other inputs .*differs in accel/);
  });
  it('rejects other machines and other formats', () => {
    expect(mismatch(meta(), { key: snapshotKey(inputs), machines: ['a', 'b'] })).toMatch(/machines a, want a,b/);
    expect(mismatch(meta({ format: 0 }), { key: snapshotKey(inputs), machines: ['a'] })).toMatch(/format 0/);
  });
});

describe('checkSnapshot', () => {
  let dir: string;
  const make = () => {
    dir = testScratchDir('n3x-snap-');
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a/state'), 'abcd');
    writeFileSync(join(dir, 'a/root.qcow2'), 'xyz');
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta()));
  };
  const want = () => ({ key: snapshotKey(inputs), machines: ['a'] });

  it('is missing when there is no meta.json', () => {
    dir = testScratchDir('n3x-snap-');
    expect(checkSnapshot(dir, want())).toMatchObject({ missing: true });
  });
  it('returns the meta when files are complete', () => {
    make();
    expect(checkSnapshot(dir, want())).toMatchObject({ meta: { name: 'booted', macSeed: 'ab12' } });
  });
  it('rejects a truncated state file, a missing disk and unreadable meta', () => {
    make();
    truncateSync(join(dir, 'a/state'), 2);
    expect(checkSnapshot(dir, want())).toMatchObject({ reason: 'a/state has 2 bytes, 4 were saved (truncated or corrupt)' });
    make();
    rmSync(join(dir, 'a/root.qcow2'));
    expect(checkSnapshot(dir, want())).toMatchObject({ reason: 'a/root.qcow2 is missing' });
    make();
    writeFileSync(join(dir, 'meta.json'), '{');
    expect(checkSnapshot(dir, want())).toMatchObject({ reason: expect.stringMatching(/^unreadable meta.json/) });
  });
});

describe('helpers', () => {
  it('checksumFile is the CRC-32 of the content', async () => {
    const d = testScratchDir('n3x-hash-');
    writeFileSync(join(d, 'f'), 'hello');
    expect(await checksumFile(join(d, 'f'))).toBe(crc32('hello').toString(16).padStart(8, '0'));
  });
  it('age reads naturally', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(age('2026-11-26T11:59:30Z', now)).toBe('30 s old');
    expect(age('2026-11-26T11:30:00Z', now)).toBe('30 min old');
    expect(age('2026-11-26T06:00:00Z', now)).toBe('6 h old');
    expect(age('2026-11-20T12:00:00Z', now)).toBe('6 d old');
  });
});
