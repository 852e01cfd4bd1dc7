/**
 * What a cluster is made of, declared once: a node's own fields (NodeSpec) and the per-node fields a cluster
 * gives every node as defaults (NodeFields, in ClusterOptions too), with the rules that check node lists.
 */
import { ConfigError } from '../errors.js';
import type { ImageOption } from '../images/cache.js';
import { parseArch, type Arch } from '../qemu/arch.js';
import type { NodeNetworkOptions } from '../network/nodenet.js';
import type { NodeConfig } from './nodeconfig.js';

/** Per-node fields: set on a node, or on the cluster for every node that does not set them. */
export interface NodeFields {
  memoryMiB?: number;
  cpus?: number;
  disks?: { sizeGiB: number }[];
  forwards?: { guestPort: number; hostPort?: number }[];
  /** Root disk size (sparse; the guest grows its filesystem at boot). Default: the image's own size (3 GiB). */
  rootDiskGiB?: number;
  /** Read-only raw disks (image layers, e.g. the k3s layer); a node's own replace the cluster's. */
  layers?: { path: string; serial: string }[];
}

/** A node's per-node fields: its own where set, else the cluster's. Pure. */
export function nodeFields(cluster: NodeFields, node: NodeFields): NodeFields {
  return {
    memoryMiB: node.memoryMiB ?? cluster.memoryMiB,
    cpus: node.cpus ?? cluster.cpus,
    disks: node.disks ?? cluster.disks,
    forwards: node.forwards ?? cluster.forwards,
    rootDiskGiB: node.rootDiskGiB ?? cluster.rootDiskGiB,
    layers: node.layers ?? cluster.layers,
  };
}

/**
 * One node: its name and, like the `nodes.<name>` of nixosTest, its own configuration (files, unit files, …) and
 * its own networks (`vlans` as `virtualisation.vlans`, or `nics` in full; default the profile's).
 */
export interface NodeSpec extends NodeConfig, NodeFields, NodeNetworkOptions {
  name: string;
  /** Free-form role tag (server, agent, …) for scenarios. */
  role?: string;
  /** Guest architecture (default x86_64). An aarch64 node boots the arm64 image on `qemu-system-aarch64 -M virt`. */
  arch?: Arch;
  /** This node's own image (an image you bring: see images/CONTRACT.md); default the cluster's `image`. */
  image?: ImageOption;
}


/** Node names or specs as given (a number n means n100-1 … n100-n; default 3), checked. Pure. */
export function normalizeNodes(nodes: number | (string | NodeSpec)[] | undefined): NodeSpec[] {
  const list: NodeSpec[] = typeof nodes === 'number' || nodes === undefined
    ? Array.from({ length: nodes ?? 3 }, (_, i) => ({ name: `n100-${i + 1}` }))
    : nodes.map((n) => (typeof n === 'string' ? { name: n } : n));
  if (!list.length) throw new ConfigError('nodes', 'no nodes', 'give at least one node');
  const seen = new Set<string>();
  for (const n of list) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(n.name)) throw new ConfigError('nodes', `'${n.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    if (seen.has(n.name)) throw new ConfigError('nodes', `duplicate node name '${n.name}'`, 'give every node a unique name');
    seen.add(n.name);
    if (n.arch !== undefined && parseArch(n.arch, `nodes['${n.name}'].arch`) !== n.arch) throw new ConfigError(`nodes['${n.name}'].arch`, `'${n.arch}' is spelt differently here`, `use '${parseArch(n.arch)}'`);
  }
  if (list.length > 200) throw new ConfigError('nodes', `${list.length} nodes`, 'use at most 200 nodes (host addresses are /24)');
  return list;
}

/** Stable, per-cluster-unique MAC for node i (1-based), data NIC j (1-based). */
export function macFor(runId: string, node: number, nic: number): string {
  const r = parseInt(runId, 16) & 0xffff;
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:${h(r >> 8)}:${h(r & 0xff)}:${h(node)}:${h(nic)}`;
}

/** N3X_SNAPSHOTS=off (or 0/false): every cluster boots cold, even when a scenario asks for a snapshot. */
export function snapshotsOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(off|0|false|no)$/i.test(env.N3X_SNAPSHOTS ?? '');
}
