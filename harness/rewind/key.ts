/**
 * What a checkpoint is keyed by: the cluster's snapshot inputs (image, profile, nodes, machine sizes, accelerator,
 * QEMU) plus the test file's own source before the test (its set-up and the earlier tests: what made the state).
 * The test's own body is not in the key, so it may be edited and re-run from the checkpoint. Pure.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, snapshotKey } from '../cluster/snapshot.js';

/**
 * The source of a test file before the test that starts on `line` (1-based, from Vitest's task location). Without a
 * line, before the first line that holds the test's name as a string literal; when the name is not found, the whole
 * source (any change then refuses the checkpoint: never a stale restore).
 */
export function sourceBefore(source: string, testName: string, line?: number): string {
  const lines = source.split('\n');
  if (line !== undefined && line >= 1 && line <= lines.length) return lines.slice(0, line - 1).join('\n');
  const quoted = [`'${testName}'`, `"${testName}"`, `\`${testName}\``];
  const at = lines.findIndex((l) => quoted.some((q) => l.includes(q)));
  return at < 0 ? source : lines.slice(0, at).join('\n');
}

/** Where the test was declared, and what came before it. */
export interface TestPlace {
  /** The test file, as the key names it (relative to the working directory). */
  file: string;
  /** The file's source before the test (sourceBefore). */
  before: string;
}

/** A checkpoint's inputs: the cluster's snapshot inputs plus the file and a hash of its source before the test. Pure. */
export function checkpointInputs(cluster: Record<string, unknown>, place: TestPlace): Record<string, unknown> {
  return { ...cluster, file: place.file, sourceBefore: createHash('sha256').update(place.before).digest('hex').slice(0, 16) };
}

/** The key of a checkpoint's inputs (16 hex chars, as snapshot keys). Pure. */
export function checkpointKey(inputs: Record<string, unknown>): string {
  return snapshotKey({ checkpoint: true, ...inputs });
}

/** Why a checkpoint saved with `saved` inputs may not be restored where `now` holds, in words; undefined when it may. Pure. */
export function refusal(saved: Record<string, unknown>, now: Record<string, unknown>): string | undefined {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  const changed = keys.filter((k) => canonicalJson(saved[k]) !== canonicalJson(now[k]));
  if (!changed.length) return undefined;
  return changed.map((k) => (k === 'sourceBefore' ? "the file's source before the test changed (its set-up or an earlier test)" : k === 'file' ? `it was saved for ${String(saved.file)}, not ${String(now.file)}` : `${k} changed`)).join('; ');
}
