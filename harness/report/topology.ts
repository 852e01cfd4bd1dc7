/**
 * The topology of a cluster as data: segments (bridges or VDE switches), machines with their NICs, bond and
 * VLAN interfaces with addresses, plus the live faults (cut links, partitions, netem). Built from each node's
 * network (the profile's or its own) and the cluster's names; faults are folded in from recorded events. Pure.
 */
import type { VlanFilter } from '../network/backend.js';
import { fabricPlan, portLabel } from '../network/fabric.js';
import { nodeAddress, nodeNetwork, type NodeNetwork, type NodeNetworkOptions } from '../network/nodenet.js';
import type { NetName, NetworkProfile } from '../network/profile.js';
import type { NetemSpec } from '../network/netem.js';

export interface TopoSegment {
  /** Logical name from the profile (lan, trunk). */
  name: string;
  /** Host bridge or VDE switch name (n3x<id>s<i>). */
  hostName: string;
  kind: 'bridge' | 'vde';
  /** What keeps each port to its VLANs, on a segment whose ports differ; absent on a hub. */
  filter?: VlanFilter;
  /** A two-port link (a bond's LACP peer port): tc redirects between two TAPs, or a 2-port VDE hub. */
  pointToPoint?: true;
}

/** What a segment is on the host, in words: "bridge n3x…s0", "VDE switch …", "point-to-point (tc redirect) …". */
export function segmentLabel(s: TopoSegment): string {
  if (s.pointToPoint) return `${s.kind === 'vde' ? 'point-to-point (2-port VDE hub)' : 'point-to-point (tc redirect between TAPs)'} ${s.hostName}`;
  return `${s.kind === 'vde' ? 'VDE switch' : 'bridge'} ${s.hostName}`;
}

export interface TopoNic {
  /** Guest name: eth1, eth2, … */
  name: string;
  mac?: string;
  segment: string;
  /** Its switch port's VLANs: "access 100", "trunk 100,200". */
  port?: string;
  /** False while cut by setLink/block. */
  up: boolean;
}

export interface TopoIface {
  /** Guest interface carrying a logical network: eth1, eth1.200, bond0.100. */
  name: string;
  /** Link it sits on (a NIC or the bond). */
  parent: string;
  vlan?: number;
  nets: NetName[];
  /** IPv4 address with prefix length; "self-configured" on a node with addresses: false. */
  address: string;
}

export interface TopoMachine {
  name: string;
  index: number;
  role?: string;
  nics: TopoNic[];
  bond?: { name: string; mode: string; slaves: string[] };
  ifaces: TopoIface[];
  /** netem per guest interface, as last applied. */
  netem: Record<string, NetemSpec>;
}

export interface Topology {
  cluster: string;
  profile: string;
  description: string;
  backend: 'bridge' | 'vde';
  segments: TopoSegment[];
  machines: TopoMachine[];
  /** Active partitions: frames between side a and side b are dropped. */
  partitions: { a: string[]; b: string[] }[];
}

export interface TopologyInput {
  id: string;
  profile: NetworkProfile;
  backend: 'bridge' | 'vde';
  nodes: ({ name: string; role?: string } & NodeNetworkOptions)[];
  /** Each node's network as resolved (default: from the profile and each node's own options). */
  networks?: NodeNetwork[];
  /** Data NIC MACs per machine (eth1 first). */
  macs?: Record<string, string[]>;
  /** The segments as created, in the cluster's order (default: the harness's n3x<id>s<i>, as hubs of `backend`). */
  segments?: { hostName: string; kind: 'bridge' | 'vde'; filter?: VlanFilter; pointToPoint?: boolean }[];
}

/** The topology of a set of nodes on their networks (every link up, no faults). */
export function topologyOf(t: TopologyInput): Topology {
  const p = t.profile;
  const nets = t.networks ?? t.nodes.map((n, i) => nodeNetwork(p, n, i + 1));
  const plan = fabricPlan(p.segments, nets, (i, j) => `n${i}e${j}`);
  const segments = plan.map((s, i): TopoSegment => {
    const made = t.segments?.[i];
    return { name: s.name, hostName: made?.hostName ?? `n3x${t.id}s${i}`, kind: made?.kind ?? t.backend, ...(made?.filter ? { filter: made.filter } : {}), ...(made?.pointToPoint ? { pointToPoint: true as const } : {}) };
  });
  const machines = t.nodes.map((n, i): TopoMachine => {
    const net = nets[i];
    const ifaces = net.links.map((l): TopoIface => ({
      name: l.name,
      parent: l.parent,
      ...(l.tag ? { vlan: l.tag } : {}),
      nets: [...l.nets],
      address: net.addresses ? `${nodeAddress(net, l.vlan)}/24` : 'self-configured',
    }));
    return {
      name: n.name,
      index: i + 1,
      role: n.role,
      nics: net.nics.map((nic, j) => ({ name: `eth${j + 1}`, mac: t.macs?.[n.name]?.[j], segment: nic.segment, port: portLabel(nic), up: true })),
      bond: net.bond ? { name: net.bond.name, mode: net.bond.mode, slaves: [...net.bond.slaves] } : undefined,
      ifaces,
      netem: {},
    };
  });
  return { cluster: t.id, profile: p.name, description: p.description, backend: t.backend, segments, machines, partitions: [] };
}

/** A change to the live topology, as recorded. */
export type TopologyChange =
  | { kind: 'link'; machine: string; nics: string[]; up: boolean }
  | { kind: 'partition'; a: string[]; b: string[] }
  | { kind: 'heal' }
  | { kind: 'netem'; machine: string; iface: string; spec: NetemSpec | null };

/** Applies changes in order; returns a new topology. */
export function applyChanges(t: Topology, changes: TopologyChange[]): Topology {
  const next: Topology = structuredClone(t);
  const machine = (n: string) => next.machines.find((m) => m.name === n);
  for (const c of changes) {
    if (c.kind === 'link') for (const nic of machine(c.machine)?.nics.filter((x) => c.nics.includes(x.name)) ?? []) nic.up = c.up;
    else if (c.kind === 'partition') next.partitions.push({ a: [...c.a], b: [...c.b] });
    else if (c.kind === 'heal') next.partitions = [];
    else if (c.kind === 'netem') {
      const m = machine(c.machine);
      if (!m) continue;
      if (c.spec) m.netem[c.iface] = c.spec;
      else delete m.netem[c.iface];
    }
  }
  return next;
}

/** netem settings in a few words: "delay 50±10ms loss 5% rate 10mbit". */
export function netemLabel(s: NetemSpec): string {
  const parts: string[] = [];
  if (s.delayMs !== undefined) parts.push(`delay ${s.delayMs}${s.jitterMs ? `±${s.jitterMs}` : ''}ms`);
  if (s.lossPct !== undefined) parts.push(`loss ${s.lossPct}%`);
  if (s.rateMbit !== undefined) parts.push(`rate ${s.rateMbit}mbit`);
  return parts.join(' ');
}

/** The topology as indented text (the REPL's `.topology`). */
export function topologyText(t: Topology): string {
  const out = [`cluster ${t.cluster}: profile ${t.profile} (${t.description}), ${t.backend} backend`];
  for (const s of t.segments) {
    const ports = t.machines.flatMap((m) => m.nics.filter((n) => n.segment === s.name).map((n) => `${m.name}:${n.name}${n.up ? '' : ' (cut)'}`));
    out.push(`  segment ${s.name} = ${segmentLabel(s)}${s.filter ? ` (VLANs enforced by ${s.filter})` : ''}: ${ports.join(', ')}`);
  }
  for (const m of t.machines) {
    out.push(`  ${m.name}${m.role ? ` (${m.role})` : ''}`);
    for (const n of m.nics) out.push(`    ${n.name}${n.mac ? ` ${n.mac}` : ''} → ${n.segment}${n.port ? ` (${n.port})` : ''}${n.up ? '' : '  LINK CUT'}`);
    if (m.bond) out.push(`    ${m.bond.name} ${m.bond.mode} over ${m.bond.slaves.join(' + ')}`);
    for (const f of m.ifaces) {
      const netem = m.netem[f.name] ? `  netem ${netemLabel(m.netem[f.name])}` : '';
      out.push(`    ${f.name} ${f.address} (${f.nets.join(', ')}${f.vlan ? `, VLAN ${f.vlan} on ${f.parent}` : ''})${netem}`);
    }
    for (const [iface, spec] of Object.entries(m.netem)) if (!m.ifaces.some((f) => f.name === iface)) out.push(`    ${iface}  netem ${netemLabel(spec)}`);
  }
  for (const p of t.partitions) out.push(`  partition: ${p.a.join(', ')} | ${p.b.join(', ')}`);
  return out.join('\n');
}
