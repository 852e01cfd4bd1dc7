import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/cluster.js';
import { emit } from '../events.js';
import { TestCheckpoints } from './take.js';
import { listCheckpoints } from './store.js';

let root: string;
const saved = process.env.N3X_CHECKPOINT_DIR;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'n3x-take-test-'));
  process.env.N3X_CHECKPOINT_DIR = root;
});
afterEach(() => {
  if (saved === undefined) delete process.env.N3X_CHECKPOINT_DIR;
  else process.env.N3X_CHECKPOINT_DIR = saved;
  rmSync(root, { recursive: true, force: true });
});

const test = { file: fileURLToPath(import.meta.url), name: 'a test', fullName: 'a test' };
/** A stand-in cluster whose checkpoint writes only the dir (or fails like a cluster with a machine down). */
const standIn = (fail: boolean) => ({
  id: 'c1',
  nodeImages: {},
  snapshotInputs: () => ({ qemu: 'QEMU 8.2' }),
  checkpoint: async (dir: string) => {
    if (fail) throw new Error('snapshot x: n100-2 not running');
    (await import('node:fs')).mkdirSync(dir, { recursive: true });
  },
}) as unknown as Cluster;

describe('checkpoints of a file run', () => {
  it("records the test's steps and its failure into the checkpoint, which stays", async () => {
    const t = new TestCheckpoints({ profile: 'simple' });
    await t.before(standIn(false), test);
    emit({ kind: 'partition', cluster: 'c1', a: ['n2'], b: ['n1'] });
    const id = t.after('failed', 'expected 1 to be 2');
    const [kept] = listCheckpoints();
    expect(kept.record).toMatchObject({ id, status: 'failed', steps: [{ kind: 'partition' }, { kind: 'host' }], failedAt: 1, error: 'expected 1 to be 2' });
  });

  it('skips a checkpoint that cannot be taken, and the test goes on without one', async () => {
    const t = new TestCheckpoints({ profile: 'simple' });
    await expect(t.before(standIn(true), test)).resolves.toBeUndefined();
    expect(t.after('passed')).toBeUndefined();
    expect(listCheckpoints()).toEqual([]);
  });
});
