/**
 * The harness's path roots, in one place: run state (private, short paths: unix socket paths are limited to
 * 107 bytes), the cache (images, snapshots, k3s), the artifacts of a run (diagnostics, report) and the report
 * dir of a Vitest run.
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Run state: N3X_STATE_DIR, else $XDG_RUNTIME_DIR/n3x, else /tmp/n3x-<uid>. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.N3X_STATE_DIR) return env.N3X_STATE_DIR;
  const uid = process.getuid?.() ?? 0;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'n3x') : `/tmp/n3x-${uid}`;
}

/** Creates a dir with mode 0700 (and its parents). */
export function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}

/** A short random run id (4 hex chars keeps interface names under 15 chars). */
export function newRunId(): string {
  return randomBytes(2).toString('hex');
}

/** The cache (images, snapshots, k3s binaries): N3X_CACHE_DIR, else $XDG_CACHE_HOME/n3x, else ~/.cache/n3x. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.N3X_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n3x'));
}

/** Where a run's artifacts go (diagnostics, the report): N3X_ARTIFACTS, else ./artifacts. */
export function artifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.N3X_ARTIFACTS ?? join(process.cwd(), 'artifacts');
}

/** Report dir of this Vitest run (absolute, set by the report reporter), or undefined outside one. */
export function reportDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.N3X_REPORT_DIR || undefined;
}
