/**
 * n3x harness under Vitest (`n3x-harness/vitest`): a cluster per scenario file (useCluster), a scratch dir,
 * and tests that need root. Everything else comes from `n3x-harness`.
 */
export { useCluster, type ClusterHandle, type ClusterTiming, type UseClusterOptions } from './testing/vitest.js';
export { useScratchDir } from './testing/scratch.js';
export { describeAsRoot, itAsRoot } from './testing/privileges.js';
