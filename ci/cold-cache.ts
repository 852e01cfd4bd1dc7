/**
 * Vitest setup file of the unit project: each test file gets an empty n3x cache (N3X_CACHE_DIR), removed after it
 * (and with the run's temp root, ci/test-tmp-root.ts, if the file failed before its afterAll), so a unit test meets
 * the cache as a bare machine has it. A used machine's warm cache once hid a unit test that built the k3s stand-in's
 * airgap tarball with tar on a cold cache (the unit project may not run tar).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';

const dir = mkdtempSync(join(inject('n3xTestTmpRoot'), 'cache-'));
process.env.N3X_CACHE_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
