/**
 * The fabric as a managed switch sees it: every segment with its ports (one per node NIC) and the VLANs each
 * port carries. A segment whose ports differ in membership must filter VLANs (a node whose port lacks VLAN 100
 * must not reach VLAN 100, even tagging frames itself); one whose ports are all alike is a plain hub. Pure.
 */
import { ConfigError } from '../errors.js';
import type { NodeNetwork, PortVlans } from './nodenet.js';

/** vde_switch takes VLAN ids up to 4093 ('vlan/create 4094' answers Invalid argument). */
export const VDE_MAX_VLAN = 4093;

export interface SwitchPort {
  node: string;
  /** Guest NIC: eth1, eth2, … */
  nic: string;
  /** Host-side port name (the TAP's name; unique per cluster). */
  port: string;
  /** 1-based number on its switch (a VDE switch port). */
  number: number;
  vlans: PortVlans;
}

export interface SegmentPlan {
  name: string;
  ports: SwitchPort[];
  /** The switch must enforce each port's VLANs. */
  filtered: boolean;
}

/** A port's VLANs in words: "access 100", "trunk 100,200", "100 untagged + trunk 200". */
export function portLabel(v: PortVlans): string {
  const tagged = v.tagged?.length ? `trunk ${[...v.tagged].sort((a, b) => a - b).join(',')}` : '';
  if (v.vlan !== undefined && tagged) return `${v.vlan} untagged + ${tagged}`;
  return v.vlan !== undefined ? `access ${v.vlan}` : tagged;
}

/**
 * The segments of a cluster: the profile's first (in its order), then those nodes name, with their ports.
 * `portName(node, nic)` names the host side of node `node`'s (1-based) NIC `nic` (1-based).
 * `enforce` false makes every segment a hub (every port sees every frame).
 */
export function fabricPlan(profileSegments: string[], nets: NodeNetwork[], portName: (node: number, nic: number) => string, enforce = true): SegmentPlan[] {
  const plans = new Map<string, SegmentPlan>(profileSegments.map((name) => [name, { name, ports: [], filtered: false }]));
  nets.forEach((n, i) =>
    n.nics.forEach((nic, j) => {
      let plan = plans.get(nic.segment);
      if (!plan) plans.set(nic.segment, (plan = { name: nic.segment, ports: [], filtered: false }));
      const vlans: PortVlans = { ...(nic.vlan !== undefined ? { vlan: nic.vlan } : {}), ...(nic.tagged?.length ? { tagged: [...nic.tagged] } : {}) };
      plan.ports.push({ node: n.name, nic: `eth${j + 1}`, port: portName(i + 1, j + 1), number: plan.ports.length + 1, vlans });
    }),
  );
  for (const p of plans.values()) p.filtered = enforce && new Set(p.ports.map((x) => portLabel(x.vlans))).size > 1;
  return [...plans.values()];
}

/** `bridge` commands that make a TAP on a vlan_filtering bridge carry exactly its port's VLANs. */
export function bridgePortCommands(tap: string, v: PortVlans): string[][] {
  const cmds = [['bridge', 'vlan', 'del', 'dev', tap, 'vid', '1']];
  if (v.vlan !== undefined) cmds.push(['bridge', 'vlan', 'add', 'dev', tap, 'vid', String(v.vlan), 'pvid', 'untagged']);
  for (const t of v.tagged ?? []) cmds.push(['bridge', 'vlan', 'add', 'dev', tap, 'vid', String(t)]);
  return cmds;
}

/**
 * vde_switch management commands that set up a switch's port VLANs before any QEMU plugs in: each VLAN
 * created, each port created, set untagged on its access VLAN and added tagged to its trunk VLANs. A port
 * without an untagged VLAN stays in VDE's VLAN 0, which no access port joins.
 */
export function vdePortCommands(ports: SwitchPort[]): string[] {
  const vlans = [...new Set(ports.flatMap((p) => [...(p.vlans.vlan !== undefined ? [p.vlans.vlan] : []), ...(p.vlans.tagged ?? [])]))].sort((a, b) => a - b);
  const over = vlans.filter((v) => v > VDE_MAX_VLAN);
  if (over.length) throw new ConfigError('vlans', `VLAN ${over.join(', ')} on a segment VDE port VLANs enforce: vde_switch takes VLANs up to ${VDE_MAX_VLAN}`, 'use a VLAN up to 4093, or the bridge backend on a kernel with bridge vlan_filtering');
  return [
    ...vlans.map((v) => `vlan/create ${v}`),
    ...ports.flatMap((p) => [
      `port/create ${p.number}`,
      ...(p.vlans.vlan !== undefined ? [`port/setvlan ${p.number} ${p.vlans.vlan}`] : []),
      ...(p.vlans.tagged ?? []).map((t) => `vlan/addport ${t} ${p.number}`),
    ]),
  ];
}
