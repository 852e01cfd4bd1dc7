/**
 * Per-node networks (nixosTest's `virtualisation.vlans` / `virtualisation.interfaces.<if>.vlan`): each node's
 * data NICs, the switch port each plugs into with the VLANs that port carries, and the guest links and addresses
 * that follow. A profile is the shorthand: it expands to the same NICs on every node. Pure; unit-tested.
 */
import { ConfigError } from '../errors.js';
import type { BondSpec, NetName, NetworkProfile } from './profile.js';

/** A switch port's VLAN membership: one VLAN untagged (an access port), a set tagged (a trunk), or both. */
export interface PortVlans {
  /** Carried untagged (nixosTest's `virtualisation.vlans` entry). */
  vlan?: number;
  /** Carried 802.1Q-tagged; the guest gets `eth<j>.<vlan>` for each. */
  tagged?: number[];
}

/** A node's data NIC: the segment (host switch) it plugs into and its port's VLANs. */
export interface NodeNic extends PortVlans {
  segment: string;
}

/** The network fields of a node (NodeSpec): give `vlans` or `nics`, or neither for the profile's. */
export interface NodeNetworkOptions {
  /** nixosTest's `virtualisation.vlans`: one NIC per entry (eth1, eth2, …), an access port on that VLAN. */
  vlans?: number[];
  /** The node's data NICs (eth1, eth2, …) in full: segment and port VLANs each. Default: the profile's. */
  nics?: NodeNic[];
  /** false: links come up without addresses and the node is left out of /etc/hosts; the test configures its own. */
  addresses?: boolean;
}

/** A guest link that carries one VLAN: `eth1`, `eth1.200`, `bond0.100`. */
export interface GuestLink {
  name: string;
  /** The NIC or bond it sits on. */
  parent: string;
  /** 802.1Q tag when the link is a VLAN sub-interface. */
  tag?: number;
  /** The VLAN (network number) it carries: an untagged profile network counts as 1, as in nixosTest. */
  vlan: number;
  /** The /24 as three octets: the profile's for its networks, else 192.168.<vlan>. */
  prefix: string;
  /** The profile's logical networks it carries. */
  nets: NetName[];
}

/** One node's data plane, resolved. */
export interface NodeNetwork {
  name: string;
  /** 1-based host number: <prefix>.<host>. */
  host: number;
  nics: NodeNic[];
  bond?: BondSpec;
  links: GuestLink[];
  addresses: boolean;
}

const vlanOf = (p: NetworkProfile, net: NetName) => (net === 'storage' ? (p.networks.storage ?? p.networks.cluster) : p.networks.cluster).vlan ?? 1;

function checkVlan(v: number, field: string): void {
  if (!(Number.isInteger(v) && v >= 1 && v <= 4094)) throw new ConfigError(field, `invalid VLAN id ${v}`, 'use 1..4094');
}

/** The port each of the profile's NICs plugs into: the VLANs of the networks on that NIC (or on its bond). */
export function profileNics(p: NetworkProfile): NodeNic[] {
  return p.nics.map((segment, j) => {
    const nic = `eth${j + 1}`;
    const onIt = [p.networks.cluster, p.networks.storage].filter((n) => n && (n.parent === nic || (p.bond?.name === n.parent && p.bond.slaves.includes(nic))));
    const tagged = [...new Set(onIt.flatMap((n) => (n!.vlan ? [n!.vlan] : [])))];
    return { segment, ...(onIt.some((n) => !n!.vlan) ? { vlan: 1 } : {}), ...(tagged.length ? { tagged } : {}) };
  });
}

/** The segment a `vlans` entry plugs into: the profile's segment that carries that VLAN, else its own `vlan<v>`. */
export function segmentForVlan(p: NetworkProfile, vlan: number): string {
  const carrying = profileNics(p).find((n) => n.vlan === vlan || n.tagged?.includes(vlan));
  return carrying?.segment ?? `vlan${vlan}`;
}

/** The /24 of a VLAN: the profile's network on that VLAN, else nixosTest's 192.168.<vlan>. */
function prefixOf(p: NetworkProfile, vlan: number, field: string, addresses: boolean): string {
  for (const net of ['cluster', 'storage'] as const) if ((net === 'cluster' || p.networks.storage) && vlanOf(p, net) === vlan) return (net === 'storage' ? p.networks.storage! : p.networks.cluster).prefix;
  if (vlan > 254 && addresses) throw new ConfigError(field, `VLAN ${vlan} has no default address (192.168.<vlan>.<n> needs a VLAN up to 254)`, 'set addresses: false on the node and configure its own, or use a VLAN up to 254');
  return `192.168.${vlan}`;
}

/** A node's data plane from its options and the profile (index is the node's 1-based position). */
export function nodeNetwork(p: NetworkProfile, node: { name: string } & NodeNetworkOptions, index: number): NodeNetwork {
  const field = `nodes['${node.name}']`;
  if (node.vlans && node.nics) throw new ConfigError(field, 'sets both vlans and nics', 'give vlans (one access port each) or nics (ports in full), not both');
  for (const v of node.vlans ?? []) checkVlan(v, `${field}.vlans`);
  const custom: NodeNic[] | undefined = node.vlans ? node.vlans.map((v) => ({ segment: segmentForVlan(p, v), vlan: v })) : node.nics;
  const nics = custom ?? profileNics(p);
  const addresses = node.addresses ?? true;
  if (!nics.length && node.nics) throw new ConfigError(`${field}.nics`, 'no data NICs', 'give at least one NIC, or leave nics out for the profile\'s');
  for (const [j, n] of nics.entries()) {
    if (n.vlan !== undefined) checkVlan(n.vlan, `${field}.nics[${j}].vlan`);
    for (const t of n.tagged ?? []) checkVlan(t, `${field}.nics[${j}].tagged`);
    if (n.vlan === undefined && !n.tagged?.length) throw new ConfigError(`${field}.nics[${j}]`, 'carries no VLAN', 'give vlan (untagged) or tagged (a trunk)');
    if (n.tagged?.includes(n.vlan ?? -1)) throw new ConfigError(`${field}.nics[${j}]`, `VLAN ${n.vlan} both untagged and tagged`, 'carry a VLAN one way');
  }
  const bond = custom ? undefined : p.bond;
  const byParent: { parent: string; port: PortVlans }[] = [];
  if (bond) byParent.push({ parent: bond.name, port: nics[Number(bond.slaves[0].slice(3)) - 1] });
  for (const [j, n] of nics.entries()) if (!bond?.slaves.includes(`eth${j + 1}`)) byParent.push({ parent: `eth${j + 1}`, port: n });
  const links: GuestLink[] = [];
  const seen = new Set<number>();
  const add = (parent: string, vlan: number, tag?: number) => {
    if (seen.has(vlan)) throw new ConfigError(field, `VLAN ${vlan} on two links`, 'carry each VLAN on one NIC (bond NICs for redundancy)');
    seen.add(vlan);
    const nets = (['cluster', 'storage'] as const).filter((net) => (net === 'cluster' || p.networks.storage) && vlanOf(p, net) === vlan);
    links.push({ name: tag ? `${parent}.${tag}` : parent, parent, ...(tag ? { tag } : {}), vlan, prefix: prefixOf(p, vlan, field, addresses), nets: [...nets] });
  };
  for (const { parent, port } of byParent) {
    if (port.vlan !== undefined) add(parent, port.vlan);
    for (const t of port.tagged ?? []) add(parent, t, t);
  }
  // A profile's storage network defaults to its cluster network: the link carrying cluster carries storage too.
  if (!p.networks.storage) for (const l of links) if (l.nets.includes('cluster')) l.nets.push('storage');
  return { name: node.name, host: (p.hostOffset ?? 0) + index, nics, ...(bond ? { bond } : {}), links, addresses };
}

/** The link of a node that carries a logical network or VLAN number; undefined when the node is not on it. */
export function linkOf(n: NodeNetwork, net: NetName | number): GuestLink | undefined {
  return n.links.find((l) => (typeof net === 'number' ? l.vlan === net : l.nets.includes(net)));
}

function onNet(n: NodeNetwork, net: NetName | number): GuestLink {
  const l = linkOf(n, net);
  const what = typeof net === 'number' ? `VLAN ${net}` : `the ${net} network`;
  if (!l) throw new ConfigError('address', `${n.name} is not on ${what}`, `use one of its VLANs: ${n.links.map((x) => x.vlan).join(', ') || 'none'}`);
  if (!n.addresses) throw new ConfigError('address', `${n.name} configures its own addresses (addresses: false)`, 'read the address from the node itself');
  return l;
}

/** A node's IPv4 address on a network: <prefix>.<host>. */
export function nodeAddress(n: NodeNetwork, net: NetName | number = 'cluster'): string {
  return `${onNet(n, net).prefix}.${n.host}`;
}

/** A node's IPv6 address on a network: 2001:db8:<vlan>::<host> (the documentation prefix routes nowhere). */
export function nodeAddress6(n: NodeNetwork, net: NetName | number = 'cluster'): string {
  return `2001:db8:${onNet(n, net).vlan}::${n.host.toString(16)}`;
}

/**
 * The link a node's name resolves to in /etc/hosts: its first, as nixosTest's `primaryIPAddress` (for a profile's
 * nodes that is the cluster network's).
 */
export function primaryLink(n: NodeNetwork): GuestLink | undefined {
  return n.addresses ? n.links[0] : undefined;
}

/** Guest names of a node's data NICs (eth1, eth2, …). */
export function dataIfaces(n: NodeNetwork): string[] {
  return n.nics.map((_, j) => `eth${j + 1}`);
}
