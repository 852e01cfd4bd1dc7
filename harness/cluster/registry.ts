/** Clusters on this host, from their descriptors: list (cleaning stale ones), stop by id. */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../images/cache.js';
import { destroySegmentSync } from '../network/backend.js';
import { stateRoot } from '../util/paths.js';
import { readDescriptor, type ClusterDescriptor } from './cluster.js';

export interface ClusterEntry {
  id: string;
  descriptor: ClusterDescriptor;
  /** running: its owner process is alive; kept: left running on purpose (attach/stop); stale: QEMU gone. */
  status: 'running' | 'kept' | 'stale';
  qemuPids: number[];
  ageS: number;
}

function qemuPids(d: ClusterDescriptor): number[] {
  return d.machines.flatMap((m) => {
    const f = join(m.stateDir, 'qemu.pid');
    const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
    return pid && alive(pid) ? [pid] : [];
  });
}

/** Every cluster with a descriptor under the state root; stale ones are removed unless keepStale. */
export function listClusters(opts: { keepStale?: boolean } = {}): ClusterEntry[] {
  const root = stateRoot();
  if (!existsSync(root)) return [];
  const out: ClusterEntry[] = [];
  for (const id of readdirSync(root)) {
    if (!existsSync(join(root, id, 'cluster.json'))) continue;
    let d: ClusterDescriptor;
    try {
      d = readDescriptor(id);
    } catch {
      continue;
    }
    const pids = qemuPids(d);
    const ownerAlive = alive(d.pid) && d.pid !== process.pid;
    const status = d.state === 'kept' && pids.length ? 'kept' : ownerAlive ? 'running' : pids.length ? 'kept' : 'stale';
    if (status === 'stale' && !opts.keepStale) {
      removeCluster(d);
      continue;
    }
    out.push({ id, descriptor: d, status, qemuPids: pids, ageS: Math.round((Date.now() - Date.parse(d.startedAt)) / 1000) });
  }
  return out;
}

function removeCluster(d: ClusterDescriptor): void {
  for (const s of d.segments) destroySegmentSync(s);
  rmSync(join(stateRoot(), d.id), { recursive: true, force: true });
}

/** Kills a cluster's QEMUs, removes its segments and state dir. Returns false when no such cluster. */
export async function stopCluster(id: string): Promise<boolean> {
  const d = readDescriptor(id);
  const pids = qemuPids(d);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  removeCluster(d);
  return true;
}
