/**
 * Scratch dirs for tests and tools (the `tmp` library): private (0700), uniquely named temporary dirs, removed
 * with their contents by `remove()` or, in a process that exits normally or by a handled signal, at exit.
 * (Vitest's workers end without an exit event: tests remove theirs in afterAll, see testing/scratch.ts.)
 */
import tmp from 'tmp';

tmp.setGracefulCleanup();

export interface ScratchDir {
  path: string;
  /** Removes the dir and everything in it (idempotent). */
  remove(): void;
}

/** A new private temporary dir named `<prefix>…` under the system temp dir. */
export function scratchDir(prefix: string): ScratchDir {
  const d = tmp.dirSync({ prefix, unsafeCleanup: true });
  return { path: d.name, remove: () => d.removeCallback() };
}
