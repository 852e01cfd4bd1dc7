/** Where run state lives: private (0700) dirs with short paths (unix socket paths are limited to 107 bytes). */
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

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
