import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointDir, listCheckpoints, readCheckpoint, removeCheckpoint, writeRecord, type CheckpointRecord } from './store.js';

let root: string;
const saved = process.env.N3X_CHECKPOINT_DIR;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'n3x-ckpt-test-'));
  process.env.N3X_CHECKPOINT_DIR = root;
});
afterEach(() => {
  if (saved === undefined) delete process.env.N3X_CHECKPOINT_DIR;
  else process.env.N3X_CHECKPOINT_DIR = saved;
  rmSync(root, { recursive: true, force: true });
});

const record = (id: string, createdAt: string): CheckpointRecord => ({ id, file: '/f.test.ts', name: 't', test: 't', createdAt, ms: 1, status: 'passed', cluster: { opts: { profile: 'simple' }, images: {} } });

describe('the checkpoint store', () => {
  it('lists written checkpoints oldest first with their disk use, and removes one', () => {
    for (const [id, at] of [['aaaaaa-1', '2026-12-03T12:02:00Z'], ['aaaaaa-2', '2026-12-03T12:01:00Z']] as const) {
      mkdirSync(checkpointDir(id), { recursive: true });
      writeFileSync(join(checkpointDir(id), 'state'), Buffer.alloc(8192, 1));
      writeRecord(checkpointDir(id), record(id, at));
    }
    const l = listCheckpoints();
    expect(l.map((s) => s.record.id)).toEqual(['aaaaaa-2', 'aaaaaa-1']);
    expect(l[0].bytes).toBeGreaterThanOrEqual(8192);
    removeCheckpoint('aaaaaa-2');
    expect(listCheckpoints().map((s) => s.record.id)).toEqual(['aaaaaa-1']);
  });

  it('says what to do for an unknown id, and refuses what is no id (no path outside the root)', () => {
    expect(() => readCheckpoint('bbbbbb-1')).toThrow(/no checkpoint bbbbbb-1 in .*n3x-ckpt-test-/);
    expect(() => checkpointDir('../etc')).toThrow(/not a checkpoint id/);
  });
});
