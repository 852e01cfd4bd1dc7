/** Reads a guest's /proc/net/bonding/<bond> (the kernel's bond_procfs.c layout) for the 802.3ad checks. */

export interface LacpPort {
  iface: string;
  mii: string;
  /** Aggregator the port is in (undefined: none). */
  aggregator?: number;
  /** System MAC of the partner in the port's last LACPDU (00:00:00:00:00:00: none heard). */
  partnerMac?: string;
}

export interface LacpState {
  /** The active aggregator: id, ports and partner system MAC (undefined when the bond has none). */
  active?: { id: number; ports: number; partnerMac: string };
  ports: LacpPort[];
}

/** Parses /proc/net/bonding/<bond> of a bond in mode 802.3ad. */
export function parseLacp(text: string): LacpState {
  const [master, ...slaves] = text.split(/\n(?=Slave Interface: )/);
  const num = (s: string, re: RegExp) => (re.exec(s) ? Number(re.exec(s)![1]) : undefined);
  const agg = /Active Aggregator Info:\n\s*Aggregator ID: (\d+)\n\s*Number of ports: (\d+)\n[\s\S]*?Partner Mac Address: ([0-9a-f:]{17})/.exec(master);
  const ports = slaves.map((s) => ({
    iface: /^Slave Interface: (\S+)/.exec(s)![1],
    mii: /MII Status: (\S+)/.exec(s)?.[1] ?? '',
    aggregator: num(s, /^Aggregator ID: (\d+)/m),
    partnerMac: /details partner lacp pdu:\n\s*system priority: \d+\n\s*system mac address: ([0-9a-f:]{17})/.exec(s)?.[1],
  }));
  return { active: agg ? { id: Number(agg[1]), ports: Number(agg[2]), partnerMac: agg[3] } : undefined, ports };
}

/** The ports in the active aggregator whose partner is `peerMac`, by interface name. */
export function portsWithPartner(s: LacpState, peerMac: string): string[] {
  if (!s.active || s.active.partnerMac !== peerMac) return [];
  return s.ports.filter((p) => p.aggregator === s.active!.id && p.partnerMac === peerMac && p.mii === 'up').map((p) => p.iface);
}
