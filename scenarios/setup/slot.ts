/**
 * Vitest setup file (vm project): each scenario file holds the VM slot for its whole run, exclusively when it is
 * in SOLO_SCENARIOS (ci/test-projects.ts), shared otherwise; with N3X_VM_JOBS=1 (the default) nothing runs beside
 * it anyway and the slot is free at once. See harness/testing/slot.ts.
 */
import { afterAll, beforeAll } from 'vitest';
import { holdSlot, needsSlot, type SlotHold } from '../../harness/vitest.js';
import { SOLO_SCENARIOS } from '../../ci/test-projects.js';

/** Longest wait for the slot: the longest file that may run beside this one. */
const WAIT_S = 3600;
let hold: SlotHold | undefined;

beforeAll(async ({}, suite) => {
  if (!needsSlot(process.env)) return;
  const file = suite.file.name; // relative to the project's root, as ci/vm-sequencer.ts names SOLO_SCENARIOS' files
  hold = await holdSlot(file in SOLO_SCENARIOS ? 'exclusive' : 'shared', file, { timeout: WAIT_S });
}, (WAIT_S + 60) * 1000);

afterAll(async () => {
  await hold?.release();
  hold = undefined;
});
