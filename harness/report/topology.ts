/**
 * The topology of a cluster as data: segments (bridges or VDE switches), machines with their NICs, bond and
 * VLAN interfaces with addresses, plus the live faults (cut links, partitions, netem). Built from the network
 * profile and the cluster's names; faults are folded in from recorded events. Pure; unit-tested.
 */
import { addressOf, ifaceOf, type NetName, type NetworkProfile } from '../network/profile.js';
import type { NetemSpec } from '../network/netem.js';

export interface TopoSegment {
  /** Logical name from the profile (lan, trunk). */
  name: string;
  /** Host bridge or VDE switch name (n3x<id>s<i>). */
  hostName: string;
  kind: 'bridge' | 'vde';
}

export interface TopoNic {
  /** Guest name: eth1, eth2, … */
  name: string;
  mac?: string;
  segment: string;
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
  nodes: { name: string; role?: string }[];
  /** Data NIC MACs per machine (eth1 first). */
  macs?: Record<string, string[]>;
  /** Host names of the segments in profile order (default: the harness's n3x<id>s<i>). */
  segmentNames?: string[];
}

/** The topology a profile gives a set of nodes (every link up, no faults). */
export function topologyOf(t: TopologyInput): Topology {
  const p = t.profile;
  const segments = p.segments.map((name, i) => ({ name, hostName: t.segmentNames?.[i] ?? `n3x${t.id}s${i}`, kind: t.backend }));
  const machines = t.nodes.map((n, i): TopoMachine => {
    const ifaces: TopoIface[] = [];
    for (const net of ['cluster', 'storage'] as const) {
      const spec = net === 'storage' ? (p.networks.storage ?? p.networks.cluster) : p.networks.cluster;
      const name = ifaceOf(p, net);
      const known = ifaces.find((f) => f.name === name);
      if (known) known.nets.push(net);
      else ifaces.push({ name, parent: spec.parent, vlan: spec.vlan, nets: [net], address: `${addressOf(p, i + 1, net)}/24` });
    }
    return {
      name: n.name,
      index: i + 1,
      role: n.role,
      nics: p.nics.map((segment, j) => ({ name: `eth${j + 1}`, mac: t.macs?.[n.name]?.[j], segment, up: true })),
      bond: p.bond ? { name: p.bond.name, mode: p.bond.mode, slaves: [...p.bond.slaves] } : undefined,
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
    out.push(`  segment ${s.name} = ${s.kind} ${s.hostName}: ${ports.join(', ')}`);
  }
  for (const m of t.machines) {
    out.push(`  ${m.name}${m.role ? ` (${m.role})` : ''}`);
    for (const n of m.nics) out.push(`    ${n.name}${n.mac ? ` ${n.mac}` : ''} → ${n.segment}${n.up ? '' : '  LINK CUT'}`);
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
