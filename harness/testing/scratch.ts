/** Scratch dirs in Vitest files: created at once, removed (with their contents) after the file's tests. */
import { afterAll } from 'vitest';
import { scratchDir } from '../util/scratch.js';

/** A private temporary dir for this test file, removed in afterAll. */
export function useScratchDir(prefix: string): string {
  const d = scratchDir(prefix);
  afterAll(() => d.remove());
  return d.path;
}
