/**
 * Network profiles as data: host segments, NICs per node, and the guest-side links and addresses they
 * imply. A profile is the shorthand for every node's NICs (nodenet.ts expands it; a node may set its own).
 */
import { ConfigError } from '../errors.js';

/** A logical network every node joins (cluster traffic, storage traffic). */
export interface LogicalNet {
  /** Guest link carrying it: a NIC (eth1), the bond (bond0). */
  parent: string;
  /** 802.1Q VLAN id on the parent, if tagged. */
  vlan?: number;
  /** /24 prefix as three octets, e.g. "192.168.200". The node's address is <prefix>.<hostOffset + index>. */
  prefix: string;
}

export interface BondSpec {
  name: string;
  mode: 'active-backup' | 'balance-rr' | '802.3ad' | 'balance-xor';
  miimonMs: number;
  /** 802.3ad only: how often the partner is asked for LACPDUs, 'slow' every 30 s (the kernel's default) or 'fast' every 1 s (a silent partner is dropped after 3 s). */
  lacpRate?: 'slow' | 'fast';
  /** Guest NICs enslaved, first is primary. */
  slaves: string[];
}

export interface NetworkProfile {
  name: string;
  description: string;
  /** Host segments (one bridge or VDE switch each), by logical name. */
  segments: string[];
  /** The segment of each data NIC: nics[0] is eth1, nics[1] is eth2, … */
  nics: string[];
  bond?: BondSpec;
  /** `cluster` is required; `storage` defaults to the cluster network. */
  networks: { cluster: LogicalNet; storage?: LogicalNet };
  /** Added to the node's 1-based index to form its host address (default 0: node 1 → .1). */
  hostOffset?: number;
}

export type NetName = 'cluster' | 'storage';

/**
 * A machine's IPv6 address on a logical network: `2001:db8:<vlan>::<n>/64` as nixosTest's VLANs number them
 * (an untagged network counts as VLAN 1). The documentation prefix routes nowhere.
 */
export function address6Of(p: NetworkProfile, index: number, net: NetName = 'cluster'): string {
  const n = net === 'storage' ? (p.networks.storage ?? p.networks.cluster) : p.networks.cluster;
  return `2001:db8:${n.vlan ?? 1}::${((p.hostOffset ?? 0) + index).toString(16)}`;
}

/** The guest interface name of a logical network, e.g. eth1, eth1.200, bond0.100. */
export function ifaceOf(p: NetworkProfile, net: NetName = 'cluster'): string {
  const n = net === 'storage' ? (p.networks.storage ?? p.networks.cluster) : p.networks.cluster;
  return n.vlan ? `${n.parent}.${n.vlan}` : n.parent;
}

/** A node's address on a logical network (index is 1-based). */
export function addressOf(p: NetworkProfile, index: number, net: NetName = 'cluster'): string {
  const n = net === 'storage' ? (p.networks.storage ?? p.networks.cluster) : p.networks.cluster;
  return `${n.prefix}.${(p.hostOffset ?? 0) + index}`;
}

/** Checks a profile's internal consistency (names, VLAN ids, prefixes, bond slaves). */
export function validateProfile(p: NetworkProfile): void {
  const field = `profile ${p.name}`;
  if (!p.nics.length) throw new ConfigError(field, 'has no data NICs', 'list at least one segment in nics');
  for (const s of p.nics) if (!p.segments.includes(s)) throw new ConfigError(field, `NIC on unknown segment '${s}'`, `declare '${s}' in segments`);
  const nicNames = p.nics.map((_, i) => `eth${i + 1}`);
  if (p.bond) for (const s of p.bond.slaves) if (!nicNames.includes(s)) throw new ConfigError(field, `bond slave ${s} is not a data NIC`, `use ${nicNames.join(', ')}`);
  if (p.bond?.lacpRate && p.bond.mode !== '802.3ad') throw new ConfigError(`${field}.bond.lacpRate`, `lacpRate with mode ${p.bond.mode}`, "lacpRate applies to mode '802.3ad' only: drop it");
  for (const [k, n] of Object.entries(p.networks)) {
    if (!n) continue;
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(n.prefix)) throw new ConfigError(`${field}.networks.${k}.prefix`, `'${n.prefix}' is not three octets`, 'use e.g. "192.168.200"');
    const parents = [...nicNames, ...(p.bond ? [p.bond.name] : [])];
    if (!parents.includes(n.parent)) throw new ConfigError(`${field}.networks.${k}.parent`, `unknown link '${n.parent}'`, `use one of ${parents.join(', ')}`);
    if (n.vlan !== undefined && !(Number.isInteger(n.vlan) && n.vlan >= 1 && n.vlan <= 4094)) throw new ConfigError(`${field}.networks.${k}.vlan`, `invalid VLAN id ${n.vlan}`, 'use 1..4094');
  }
}
