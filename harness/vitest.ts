/**
 * n3x harness under Vitest (`n3x-harness/vitest`): a cluster per scenario file (useCluster), a scratch dir,
 * tests that need root, and the VM slot of files run side by side. Everything else comes from `n3x-harness`.
 */
export { useCluster, type ClusterHandle, type ClusterTiming, type UseClusterOptions } from './testing/vitest.js';
export { useScratchDir } from './testing/scratch.js';
export { describeAsRoot, itAsRoot } from './testing/privileges.js';
export { holdSlot, needsSlot, slotCommand, type SlotHold, type SlotMode } from './testing/slot.js';
