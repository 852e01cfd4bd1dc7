/**
 * Putting a checkpoint back: its inputs are computed again for the cluster at hand and the file as it is now, and
 * a changed input refuses the restore with the reason (never a stale state); then every machine is restored as
 * a snapshot is. Used by a re-run from a checkpoint (N3X_FROM_CHECKPOINT) and by `n3x attach --checkpoint`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Cluster } from '../cluster/cluster.js';
import { checkSnapshot } from '../cluster/snapshot.js';
import { ConfigError, InfraError } from '../errors.js';
import { checkpointInputs, refusal, sourceBefore } from './key.js';
import { readCheckpoint, type CheckpointRecord } from './store.js';

/** The test a checkpoint is taken before: its file (absolute), its own name, its full name and its line. */
export interface TestRef {
  file: string;
  name: string;
  fullName: string;
  line?: number;
}

/** A checkpoint's inputs for cluster `c` before `test`, with the file's source as it is on disk now. */
export function inputsFor(c: Cluster, test: Pick<TestRef, 'file' | 'name' | 'line'>): Record<string, unknown> {
  const file = resolve(test.file);
  if (!existsSync(file)) throw new ConfigError('checkpoint', `the test file ${file} is gone`, 'a checkpoint is restored for the file it was taken in');
  return checkpointInputs(c.snapshotInputs({ name: 'checkpoint' }), { file, before: sourceBefore(readFileSync(file, 'utf8'), test.name, test.line) });
}

/**
 * Starts `c` (created, not started) from checkpoint `id`; `file`, when given, must be the file it was taken in.
 * Throws, saying why, when an input changed or a file of the checkpoint is missing.
 */
export async function restoreCheckpoint(c: Cluster, id: string, file?: string): Promise<CheckpointRecord> {
  const { dir, record, meta } = readCheckpoint(id);
  if (file && resolve(file) !== record.file) throw new ConfigError('N3X_FROM_CHECKPOINT', `checkpoint ${id} was taken in ${record.file}, not in ${resolve(file)}`, `run ${record.file} with it, or unset N3X_FROM_CHECKPOINT`);
  const why = refusal(meta.inputs, inputsFor(c, { file: record.file, name: record.name, line: record.line }));
  if (why) throw new ConfigError('checkpoint', `checkpoint ${id} (before '${record.test}') is refused: ${why}`, 'run the file again to take fresh checkpoints (N3X_CHECKPOINTS=each-test)');
  const check = checkSnapshot(dir, { key: meta.key, machines: c.nodes.map((n) => n.name), inputs: meta.inputs });
  if (!('meta' in check)) throw new InfraError(`checkpoint ${id} cannot be restored: ${check.reason}`, { hint: 'run the file again to take fresh checkpoints' });
  await c.startFromCheckpoint(dir, meta);
  return record;
}

/** Rebuilds the cluster a checkpoint was taken of (from its record) and restores the checkpoint into it. */
export async function openCheckpoint(id: string): Promise<{ cluster: Cluster; record: CheckpointRecord }> {
  const { record } = readCheckpoint(id);
  const cluster = Cluster.forCheckpoint({ ...record.cluster.opts, name: `checkpoint ${id}` }, record.cluster.images);
  try {
    return { cluster, record: await restoreCheckpoint(cluster, id) };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}
