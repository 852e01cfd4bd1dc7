/** Scratch dirs in Vitest files: created at once, removed (with their contents) after the file's tests or the test. */
import { afterAll, onTestFinished } from 'vitest';
import { scratchDir } from '../util/scratch.js';

/** A private temporary dir for this test file, removed in afterAll. */
export function useScratchDir(prefix: string): string {
  const d = scratchDir(prefix);
  afterAll(() => d.remove());
  return d.path;
}

/** A private temporary dir for the running test (call it inside one), removed when the test finishes, pass or fail. */
export function testScratchDir(prefix: string): string {
  const d = scratchDir(prefix);
  onTestFinished(() => d.remove());
  return d.path;
}
