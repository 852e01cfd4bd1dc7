/**
 * n3x harness public API (`n3x-harness`): scenario files import from here and from `n3x-harness/vitest`
 * (useCluster and friends), nothing else. Times are in seconds; options that take one are named `timeout`
 * and `interval`.
 */
import './report/record.js'; // the run report listens to this process's events

// Machines and clusters
export { Machine, GUEST_SHARED_DIR, systemctlCommand, type MachineOptions, type ExecResult, type TimeoutOpt, type CommandsArgs, type CommandRunner, type TransferOpts, type PollingCondition } from './machine/machine.js';
export { Cluster, startCluster, snapshotsOff, type ClusterOptions, type NodeSpec, type NodeFields, type SnapshotSpec } from './cluster/cluster.js';
export { listSnapshots, pruneSnapshots, snapshotCacheDir, type SnapshotMeta } from './cluster/snapshot.js';
export { reaperOff } from './cluster/reaper.js';
export { QEMU, VDE_SWITCH } from './cluster/reap.js';
// Events (what machines and clusters did), for listeners of your own
export { subscribe, type HarnessEvent, type HarnessEventBody, type ClusterMember } from './events.js';
// Images
export { ensureImage, validateImage, listImages, pruneImages, type ImageFiles, type ImageOption } from './images/cache.js';
export { debianRecipe, trixieGrubRecipe, recipeHash, type Recipe } from './images/recipe.js';
export { backingOf } from './images/disks.js';
export { firmwareFor, type Firmware, type FirmwareKind, type GuestArch } from './qemu/firmware.js';
export { detectAccel, chooseAccel, type Accel } from './accel.js';
export { EMULATION_FACTOR } from './qemu/arch.js';
// Waits and errors
export { retryUntil, withDeadline, NotYet, sleep, type RetryOptions } from './retry.js';
export { N3xError, TestFailure, CommandFailedError, WaitTimeoutError, InfraError, MachineDiedError, ConfigError } from './errors.js';
// Networks
export { validateNetem, netemCommand, type NetemSpec } from './network/netem.js';
export { addressOf, ifaceOf, type NetworkProfile } from './network/profile.js';
export type { NodeNic, NodeNetwork, NodeNetworkOptions, PortVlans } from './network/nodenet.js';
export { n3xLinks } from './network/bridge.js';
export { profiles, getProfile, profileName, netemProfiles, type ProfileName, type NetemProfileName } from '../profiles/index.js';
// k3s
export { K3sCluster, httpsGet, type WaitOpts, type FormationTimeouts } from './k3s/cluster.js';
export { k3sBudget, k3sTimeFactor, K3S_TCG_FACTOR, type K3sBudget, type K3sPlan, type PlannedWait } from './k3s/budget.js';
export { keepalivedTiming, registrationAddress, VIP_PACKAGE } from './k3s/vip.js';
export { longhornBundle, storageNetworkNad, type LonghornBundle } from './k3s/longhorn.js';
export { resolvedAddresses } from './k3s/dns.js';
export { k3sEtcdctl, parseMemberList, type EtcdMember } from './k3s/etcd-members.js';
export { K3S_IMAGES_DIR } from './k3s/release.js';
export { K3S_API_PORT, K3S_LAYER_MOUNT, K3S_MODULES, K3S_TOKEN_FILE, blackholeGateway, k3sPrepareScript, type K3sRole } from './k3s/config.js';
export { k3sBinaryStatus, k3sScenarioGate, mixedArchK3sStatus, type K3sBinaryStatus } from './k3s/binary.js';
export { k3sLayer, K3S_LAYER_SERIAL } from './k3s/layer.js';
export { parsePreflight, preflightScript } from './k3s/preflight.js';
export { watchNodeReady } from './k3s/ready-watch.js';
// Nemesis: seeded fault schedules and a linearizability checker of register histories
export { runNemesis, nemesisSeed, type NemesisOptions, type NemesisResult } from './nemesis/run.js';
export { schedule, describeFault, prng, FAULT_KINDS, type Fault, type FaultKind, type ScheduleOptions } from './nemesis/schedule.js';
export { describeOp, type Op, type OpKind, type Outcome } from './nemesis/history.js';
export { checkHistory, checkRegister, type CheckOptions, type Verdict, type KeyResult } from './nemesis/linearizable.js';
// Report and diagnostics
export { recordK3s, type K3sNodeRow, type K3sPodRow } from './report/record.js';
export { k3sTables } from './report/k3s.js';
export type { ReportData } from './report/model.js';
export { collectDiagnostics } from './testing/diagnostics.js';
// Logging, paths and host processes
export { logger } from './log.js';
export { cacheRoot, stateRoot, artifactsDir } from './util/paths.js';
export { cmdlineOf, processesOf } from './util/procs.js';
