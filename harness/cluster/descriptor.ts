/**
 * How a cluster is described outside its process: the JSON descriptor in its state dir (for `n3x ls`,
 * attach and stop), segments taken over from one, and the counts of the cluster's first log line.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ImageFiles } from '../images/cache.js';
import { destroySegmentSync, type BackendKind, type Segment, type SegmentInfo } from '../network/backend.js';
import type { NetworkProfile } from '../network/profile.js';
import { hostArch, isForeign, type Arch } from '../qemu/arch.js';
import { newRunId, stateRoot } from '../util/paths.js';
import type { NodeSpec } from './spec.js';

export interface ClusterDescriptor {
  id: string;
  name: string | null;
  state: 'starting' | 'running' | 'failed' | 'kept';
  /** Process that owns the cluster (for a kept one: the process that detached it). */
  pid: number;
  /** The owner's start time (/proc/PID/stat), so a reused pid is not taken for the owner. */
  pidStartTicks?: number;
  profile: NetworkProfile;
  nodes: NodeSpec[];
  backend: BackendKind;
  /** Node name → the image it boots (base or derived). */
  images: Record<string, ImageFiles>;
  startedAt: string;
  segments: SegmentInfo[];
  /** The cluster's enforceVlans option (absent: default). */
  enforceVlans?: boolean;
  macs: Record<string, string[]>;
  machines: { name: string; stateDir: string }[];
}

export function readDescriptor(id: string): ClusterDescriptor {
  const p = join(stateRoot(), id, 'cluster.json');
  if (!/^[0-9a-f]{4}$/.test(id) || !existsSync(p)) throw new ConfigError('cluster', `no cluster '${id}' in ${stateRoot()}`, 'list running clusters with `npx n3x ls`');
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterDescriptor;
}

export function attachedSegment(info: SegmentInfo): Segment {
  return {
    hostName: info.hostName,
    nic: () => {
      throw new Error('attached segments take no new NICs');
    },
    attach: async () => undefined,
    destroy: async () => destroySegmentSync(info),
    describe: () => info,
    detach: () => undefined,
  };
}

/** '3 × debian-… + 1 × debian-aarch64-…': how many machines boot each image, for the cluster's first log line. Pure. */
export function imageCounts(ids: string[]): string {
  const n = new Map<string, number>();
  for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1);
  return [...n].map(([id, k]) => `${k} × ${id}`).join(' + ');
}

/** Which machines the host emulates (a foreign instruction set under TCG), for the cluster's first log line. Pure. */
export function emulatedNote(nodes: NodeSpec[], host: Arch | undefined = hostArch()): string {
  const foreign = nodes.filter((n) => isForeign(n.arch ?? 'x86_64', host));
  return foreign.length ? `emulated: ${foreign.map((n) => `${n.name} (${n.arch ?? 'x86_64'})`).join(', ')}` : 'emulated: none';
}

/** Writes a cluster's descriptor into its state dir (atomically: readers such as n3x ls and the reaper never see half a file). */
export function writeDescriptor(stateDir: string, d: ClusterDescriptor): void {
  const file = join(stateDir, 'cluster.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(d, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** A run id whose state dir does not exist yet (two clusters never share one). */
export function unusedRunId(): string {
  for (;;) {
    const id = newRunId();
    if (!existsSync(join(stateRoot(), id))) return id;
  }
}
