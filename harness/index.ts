/** n3x harness public API: scenario files import from here. */
export { Machine, type MachineOptions, type ExecResult, type TimeoutOpt } from './machine/machine.js';
export { Cluster, startCluster, snapshotsOff, type ClusterOptions, type NodeSpec, type SnapshotSpec } from './cluster/cluster.js';
export { listSnapshots, pruneSnapshots, snapshotCacheDir, type SnapshotMeta } from './cluster/snapshot.js';
export { ensureImage, validateImage, listImages, pruneImages, type ImageFiles, type ImageOption } from './images/cache.js';
export { cacheRoot, stateRoot, artifactsDir } from './util/paths.js';
export { debianRecipe, trixieGrubRecipe, recipeHash, type Recipe } from './images/recipe.js';
export { detectAccel, chooseAccel, type Accel } from './accel.js';
export { retryUntil, NotYet, sleep } from './retry.js';
export { N3xError, TestFailure, CommandFailedError, WaitTimeoutError, InfraError, MachineDiedError, ConfigError } from './errors.js';
export { validateNetem, netemCommand, type NetemSpec } from './network/netem.js';
export { addressOf, ifaceOf, type NetworkProfile } from './network/profile.js';
export { profiles, getProfile, netemProfiles, type NetemProfileName } from '../profiles/index.js';
export { recordK3s, type K3sNodeRow, type K3sPodRow } from './report/record.js';
export { k3sTables } from './report/k3s.js';
export { firmwareFor, type Firmware, type FirmwareKind, type GuestArch } from './qemu/firmware.js';
