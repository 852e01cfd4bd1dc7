/** Which checkpoints stay on disk: every failed test's, and the newest N of the others (N3X_CHECKPOINT_KEEP). Pure. */
import { ConfigError } from '../errors.js';

export type CheckpointStatus = 'running' | 'passed' | 'failed' | 'skipped';

export interface Keepable {
  id: string;
  createdAt: string;
  status: CheckpointStatus;
}

/** How many checkpoints of tests that did not fail are kept (N3X_CHECKPOINT_KEEP, default 2). */
export function keepFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.N3X_CHECKPOINT_KEEP;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError('N3X_CHECKPOINT_KEEP', `'${raw}' is not a count`, 'set it to a whole number ≥ 0 (checkpoints of passed tests kept besides the failed ones)');
  return n;
}

/**
 * The ids to delete: failed tests' checkpoints stay, and so do running ones (a test in progress); of the rest the
 * newest `keep` stay.
 */
export function toPrune(all: Keepable[], keep: number): string[] {
  const others = all.filter((c) => c.status === 'passed' || c.status === 'skipped').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return others.slice(keep).map((c) => c.id);
}
