/**
 * Vitest setup file of the unit and host projects: each test file runs with its own empty TMPDIR (inside the run's
 * temp root, ci/test-tmp-root.ts) and fails if it leaves anything there: what a test creates in the temp dir, it
 * removes (useScratchDir, or rmSync in afterAll). Runs of the suite once left ~50 dirs in /tmp each.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';

/** The host's temp dir, as the worker found it before any file's TMPDIR (other set-up files put their own things there). */
export const hostTmpDir = (process.env.N3X_HOST_TMPDIR ??= tmpdir());
const dir = mkdtempSync(join(inject('n3xTestTmpRoot'), 'tmp-'));
process.env.TMPDIR = dir;

/** What tools a test runs keep in TMPDIR by their own design, not the test's: tsx's compile cache (`tsx-<uid>`). */
const TOOL_CACHES = /^tsx-\d+$/;

afterAll(() => {
  process.env.TMPDIR = hostTmpDir;
  const left = readdirSync(dir).filter((name) => !TOOL_CACHES.test(name));
  rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`this test file left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temp dir (${left.join(', ')}): remove what a test creates there (useScratchDir from harness/testing, or rmSync in afterAll)`);
  }
});
