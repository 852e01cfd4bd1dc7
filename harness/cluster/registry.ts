/**
 * Clusters on this host under the state root: listed from their descriptors and the processes themselves
 * (listing never removes anything), stopped by id, or all at once including what outlived its records.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../util/procs.js';
import { stateRoot } from '../util/paths.js';
import { ConfigError } from '../errors.js';
import type { ClusterDescriptor } from './cluster.js';
import { descriptorAt, linksOfCluster, processesOfCluster, reapClusterDir, strayClusterDirs, type ReapReport } from './reap.js';

/**
 * running: its owner process is alive; kept: left running on purpose (keep-on-failure, attach);
 * orphaned: owner gone (killed) but QEMUs, switches or links remain — `n3x stop --all` removes them;
 * stale: nothing runs any more, only the state dir is left.
 */
export type ClusterStatus = 'running' | 'kept' | 'orphaned' | 'stale';

export interface ClusterEntry {
  id: string;
  dir: string;
  /** Undefined when the dir has running processes but no (readable) descriptor. */
  descriptor?: ClusterDescriptor;
  status: ClusterStatus;
  qemuPids: number[];
  ageS?: number;
}

/** Status from what is known about a cluster (pure; unit-tested). */
export function clusterStatus(s: { state?: ClusterDescriptor['state']; ownerAlive: boolean; somethingLeft: boolean }): ClusterStatus {
  if (s.state === 'kept' && s.somethingLeft) return 'kept';
  if (s.ownerAlive) return 'running';
  return s.somethingLeft ? 'orphaned' : 'stale';
}

function entryFor(dir: string): ClusterEntry {
  const d = descriptorAt(dir);
  const { qemus, switches } = processesOfCluster(dir);
  const somethingLeft = qemus.length + switches.length + linksOfCluster(dir, d).length > 0;
  const ownerAlive = !!d && d.pid !== process.pid && isRunning(d.pid, d.pidStartTicks);
  return {
    id: dir.slice(dir.lastIndexOf('/') + 1),
    dir,
    descriptor: d,
    status: clusterStatus({ state: d?.state, ownerAlive, somethingLeft }),
    qemuPids: qemus,
    ageS: d ? Math.round((Date.now() - Date.parse(d.startedAt)) / 1000) : undefined,
  };
}

/** Every cluster under the state root: dirs with a descriptor, and dirs that only running processes or links name. */
export function listClusters(root = stateRoot()): ClusterEntry[] {
  const dirs = new Set<string>();
  if (existsSync(root)) for (const id of readdirSync(root)) if (existsSync(join(root, id, 'cluster.json'))) dirs.add(join(root, id));
  for (const d of strayClusterDirs(root)) dirs.add(d);
  return [...dirs].sort().map(entryFor);
}

/** Kills a cluster's QEMUs, stops its switches, removes its links and state dir. */
export async function stopCluster(id: string, root = stateRoot()): Promise<ReapReport> {
  const dir = join(root, id);
  if (!/^[0-9a-f]{4}$/.test(id) || !listClusters(root).some((e) => e.dir === dir)) {
    throw new ConfigError('cluster', `no cluster '${id}' in ${root}`, 'list clusters with `npx n3x ls`');
  }
  return reapClusterDir(dir);
}

/** Stops every cluster under the state root, by its records and by the processes and links themselves. */
export async function stopAllClusters(root = stateRoot()): Promise<ReapReport[]> {
  const out: ReapReport[] = [];
  for (const e of listClusters(root)) out.push(await reapClusterDir(e.dir));
  return out;
}
