/**
 * Vitest global set-up of the unit and host projects: one temp root for the whole run, in which each test file gets
 * its own TMPDIR and cache (ci/test-tmp.ts, ci/cold-cache.ts). Removed when the run ends, also after a file that
 * failed before its own clean-up, so a run leaves nothing in the host's temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's temp root (ci/test-tmp-root.ts). */
    n3xTestTmpRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), `n3x-tests-${project.name}-`));
  project.provide('n3xTestTmpRoot', root);
  return () => rmSync(root, { recursive: true, force: true });
}
