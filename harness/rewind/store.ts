/**
 * Checkpoints on disk: one dir per checkpoint under N3X_CHECKPOINT_DIR (else <cache>/checkpoints) with the
 * cluster's saved state (meta.json and the files it names, as a snapshot) and checkpoint.json: which test of which
 * file it was taken before, how that test went, its recorded steps, and what the cluster was made of (to rebuild it
 * in another process for `n3x attach --checkpoint`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterOptions } from '../cluster/cluster.js';
import type { SnapshotMeta } from '../cluster/snapshot.js';
import { ConfigError } from '../errors.js';
import type { ImageFiles } from '../images/cache.js';
import { cacheRoot } from '../util/paths.js';
import type { CheckpointStatus } from './policy.js';
import type { Step } from './steps.js';

export interface CheckpointRecord {
  id: string;
  /** The test file (absolute), the test's own name, its full name (with its describe blocks) and its line when Vitest gave one. */
  file: string;
  name: string;
  test: string;
  line?: number;
  createdAt: string;
  /** Milliseconds the checkpoint took (every machine paused, saved, resumed). */
  ms: number;
  status: CheckpointStatus;
  /** What the cluster was made of: its options (functions left out) and each node's image. */
  cluster: { opts: ClusterOptions; images: Record<string, ImageFiles> };
  steps?: Step[];
  /** Index into steps where the original failed. */
  failedAt?: number;
  /** The test's error, first lines. */
  error?: string;
}

export interface StoredCheckpoint {
  dir: string;
  record: CheckpointRecord;
  /** Disk blocks in use (sparse files count what they hold). */
  bytes: number;
}

const ID = /^[0-9a-f]{6}-\d+$/;

/** Where checkpoints live: N3X_CHECKPOINT_DIR, else <cache>/checkpoints. */
export function checkpointRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.N3X_CHECKPOINT_DIR ?? join(cacheRoot(env), 'checkpoints');
}

/** A new id for the n-th test of a file run: 6 random hex digits shared by the run, then the test's number. */
export const runTag = (): string => randomBytes(3).toString('hex');
export const checkpointId = (tag: string, n: number): string => `${tag}-${n}`;

export function checkpointDir(id: string): string {
  if (!ID.test(id)) throw new ConfigError('checkpoint', `'${id}' is not a checkpoint id`, 'ids look like 3fa9c1-2; `npx n3x checkpoints list` shows them');
  return join(checkpointRoot(), id);
}

/** Writes checkpoint.json (atomically: a reader never sees half of it). */
export function writeRecord(dir: string, record: CheckpointRecord): void {
  writeFileSync(join(dir, 'checkpoint.json.tmp'), JSON.stringify(record, null, 2), { mode: 0o600 });
  renameSync(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
}

/** A checkpoint's record and saved-state meta; throws a ConfigError that says what to do when there is none. */
export function readCheckpoint(id: string): { dir: string; record: CheckpointRecord; meta: SnapshotMeta } {
  const dir = checkpointDir(id);
  if (!existsSync(join(dir, 'checkpoint.json')) || !existsSync(join(dir, 'meta.json'))) {
    throw new ConfigError('checkpoint', `no checkpoint ${id} in ${checkpointRoot()}`, 'see `npx n3x checkpoints list` (kept: failed tests and the last N3X_CHECKPOINT_KEEP others)');
  }
  return { dir, record: JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointRecord, meta: JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta };
}

/** Disk blocks used under `path`, in bytes. */
export function diskBytes(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.blocks * 512;
  return readdirSync(path).reduce((a, f) => a + diskBytes(join(path, f)), st.blocks * 512);
}

/** Every complete checkpoint, oldest first. */
export function listCheckpoints(): StoredCheckpoint[] {
  const root = checkpointRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => ID.test(d) && existsSync(join(root, d, 'checkpoint.json')))
    .flatMap((d) => {
      try {
        return [{ dir: join(root, d), record: JSON.parse(readFileSync(join(root, d, 'checkpoint.json'), 'utf8')) as CheckpointRecord, bytes: diskBytes(join(root, d)) }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt));
}

/** Deletes a checkpoint's dir. */
export function removeCheckpoint(id: string): void {
  rmSync(checkpointDir(id), { recursive: true, force: true });
}

/** MB with one decimal, as the end-of-file line and the list print sizes. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
