/**
 * Removes everything one cluster made on the host, found by its state dir alone: QEMUs and vde_switches whose
 * command line names a path in that dir (pids from its state files are checked the same way before any signal),
 * links tagged with that dir, then the dir. Used by the reaper when a run is killed, and by `n3x stop`.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deleteLinkSync, linkOwnerTag, n3xLinks } from '../network/bridge.js';
import { NotYet, retryUntil } from '../retry.js';
import { cmdlineOf, isProcessOf, isRunning, processesOf } from '../util/procs.js';
import { QEMU_BINARIES } from '../qemu/arch.js';
import type { ClusterDescriptor } from './cluster.js';

/** The x86_64 QEMU (tests that start x86_64 clusters look for it); QEMU_BINARIES has every architecture's. */
export const QEMU = 'qemu-system-x86_64';
export const VDE_SWITCH = 'vde_switch';

export interface ReapReport {
  dir: string;
  qemus: number[];
  switches: number[];
  links: string[];
  /** Processes still there after SIGKILL and the wait (uninterruptible sleep); normally empty. */
  survivors: number[];
}

/** The descriptor in a cluster's state dir, or undefined when missing or unreadable. */
export function descriptorAt(dir: string): ClusterDescriptor | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterDescriptor;
  } catch {
    return undefined;
  }
}

/** Pids in the dir's state files (machines' qemu.pid, switches' sw.pid) that are live processes of that dir. */
function pidsFromRecords(dir: string, program: string, file: string): number[] {
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  for (const sub of readdirSync(dir)) {
    try {
      const pid = Number(readFileSync(join(dir, sub, file), 'utf8').trim());
      if (isProcessOf(pid, program, dir)) out.push(pid);
    } catch {
      /* no such file */
    }
  }
  return out;
}

/** The live QEMU and vde_switch processes of a cluster dir, by its records and by a scan of /proc. */
export function processesOfCluster(dir: string): { qemus: number[]; switches: number[] } {
  const uniq = (a: number[]) => [...new Set(a)];
  return {
    qemus: uniq(QEMU_BINARIES.flatMap((q) => [...pidsFromRecords(dir, q, 'qemu.pid'), ...processesOf(q, dir)])),
    switches: uniq([...pidsFromRecords(dir, VDE_SWITCH, 'sw.pid'), ...processesOf(VDE_SWITCH, dir)]),
  };
}

/** Host links of a cluster dir: tagged with it, or (untagged) named as its bridges in its descriptor. */
export function linksOfCluster(dir: string, d = descriptorAt(dir)): string[] {
  const named = new Set((d?.segments ?? []).filter((s) => s.kind === 'bridge').map((s) => s.hostName));
  return n3xLinks()
    .filter((l) => l.alias === linkOwnerTag(dir) || (!l.alias && named.has(l.name)))
    .map((l) => l.name);
}

function signal(pids: number[], program: string, dir: string, sig: NodeJS.Signals): void {
  for (const p of pids) {
    if (!isProcessOf(p, program, dir)) continue; // re-checked right before the signal: never a reused pid
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  try {
    await retryUntil(
      async () => {
        const left = pids.filter((p) => isRunning(p));
        if (left.length) throw new NotYet(`pids ${left.join(', ')} still running`);
      },
      { timeout: ms / 1000, what: 'processes to exit', interval: 0.05, maxInterval: 0.25 },
    );
    return [];
  } catch {
    return pids.filter((p) => isRunning(p));
  }
}

/** Kills a cluster dir's QEMUs, stops its switches, deletes its links and removes the dir (idempotent). */
export async function reapClusterDir(dir: string): Promise<ReapReport> {
  const d = descriptorAt(dir);
  const { qemus, switches } = processesOfCluster(dir);
  for (const q of QEMU_BINARIES) signal(qemus, q, dir, 'SIGKILL');
  const survivors = await waitGone(qemus, 5000);
  signal(switches, VDE_SWITCH, dir, 'SIGTERM');
  const stubborn = await waitGone(switches, 2000);
  signal(stubborn, VDE_SWITCH, dir, 'SIGKILL');
  survivors.push(...(await waitGone(stubborn, 2000)));
  const links = linksOfCluster(dir, d);
  for (const l of links) deleteLinkSync(l);
  rmSync(dir, { recursive: true, force: true });
  return { dir, qemus, switches, links, survivors };
}

/**
 * Cluster dirs directly under `root` that still have something running or on the host: found from the
 * processes (a QEMU or vde_switch argument naming a path under root) and the link tags, not from records.
 */
export function strayClusterDirs(root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const dirOf = (s: string): string | undefined => {
    const i = s.indexOf(prefix);
    if (i < 0) return undefined;
    const id = s.slice(i + prefix.length).split('/')[0].split(',')[0];
    return id ? prefix + id : undefined;
  };
  const dirs = new Set<string>();
  for (const program of [...QEMU_BINARIES, VDE_SWITCH]) {
    for (const pid of processesOf(program, root)) {
      for (const a of cmdlineOf(pid) ?? []) {
        const dir = dirOf(a);
        if (dir) dirs.add(dir);
      }
    }
  }
  for (const l of n3xLinks()) {
    if (l.alias.startsWith(`n3x:${prefix}`)) dirs.add(l.alias.slice('n3x:'.length));
  }
  return [...dirs];
}
