/**
 * 802.3ad (LACP) needs a partner on every bonded port. The host's bridges drop slow-protocol frames
 * (01:80:c2:00:00:02; `group_fwd_mask` cannot pass them) and no host switch speaks LACP, so a bond negotiates only
 * where each of its ports is cabled to exactly one port of another node: a segment of two ports, made a
 * point-to-point link. Anything else is refused before a VM starts, with the reason.
 */
import { ConfigError } from '../errors.js';
import type { NetworkProfile } from './profile.js';

/** One guest NIC's place on the host: its node and segment. */
export interface SegmentPort {
  node: string;
  segment: string;
}

/** The guest NICs of every node on the profile's segments (eth1 is nics[0], …). */
export function segmentPorts(p: NetworkProfile, nodes: string[]): SegmentPort[] {
  return nodes.flatMap((node) => p.nics.map((segment) => ({ node, segment })));
}

/** The segments that carry a port of an 802.3ad bond (empty for any other mode). */
export function lacpSegments(p: NetworkProfile): Set<string> {
  if (p.bond?.mode !== '802.3ad') return new Set();
  return new Set(p.bond.slaves.map((s) => p.nics[Number(s.slice(3)) - 1]));
}

/**
 * The segments to wire point-to-point: every segment of an 802.3ad bond, each of which must join two ports of two
 * different nodes; throws a ConfigError naming the segment and why otherwise.
 */
export function pointToPointSegments(p: NetworkProfile, nodes: string[]): Set<string> {
  const lacp = lacpSegments(p);
  const ports = segmentPorts(p, nodes);
  for (const seg of lacp) {
    const on = ports.filter((x) => x.segment === seg).map((x) => x.node);
    const field = `profile ${p.name}.bond.mode`;
    const fix = "give each bonded NIC its own segment shared by exactly two nodes (as nixosTest's Bond test: two nodes, two segments), or use mode 'active-backup'";
    if (on.length !== 2) {
      throw new ConfigError(field, `802.3ad over segment '${seg}' of ${on.length} ports (${on.join(', ')}): an LACP partner needs a point-to-point link, and a segment of more than two ports would need a switch that speaks LACP, which the host has not got`, fix);
    }
    if (on[0] === on[1]) throw new ConfigError(field, `802.3ad over segment '${seg}' whose two ports are both ${on[0]}'s: its partner would be itself`, fix);
  }
  return lacp;
}
