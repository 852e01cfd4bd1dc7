import { describe, expect, it } from 'vitest';
import { parseLacp, portsWithPartner } from './bonding.js';

// The layout of the kernel's bond_procfs.c for an 802.3ad bond (abridged: lines the parser skips are kept as they come).
const sample = (ports: number, eth2Agg: number, partner = '52:54:00:aa:00:02', eth2Partner = eth2Agg === 1 ? partner : '00:00:00:00:00:00') => `Ethernet Channel Bonding Driver: v6.1.0-28-amd64

Bonding Mode: IEEE 802.3ad Dynamic link aggregation
Transmit Hash Policy: layer2 (0)
MII Status: up
MII Polling Interval (ms): 100

802.3ad info
LACP active: on
LACP rate: fast
Min links: 0
Aggregator selection policy (ad_select): stable
System priority: 65535
System MAC address: 52:54:00:aa:00:01
Active Aggregator Info:
\tAggregator ID: 1
\tNumber of ports: ${ports}
\tActor Key: 15
\tPartner Key: 15
\tPartner Mac Address: ${partner}

Slave Interface: eth1
MII Status: up
Speed: 1000 Mbps
Aggregator ID: 1
Actor Churn State: none
details actor lacp pdu:
    system priority: 65535
    system mac address: 52:54:00:aa:00:01
    port key: 15
details partner lacp pdu:
    system priority: 65535
    system mac address: ${partner}
    oper key: 15

Slave Interface: eth2
MII Status: up
Aggregator ID: ${eth2Agg}
details actor lacp pdu:
    system priority: 65535
    system mac address: 52:54:00:aa:00:01
details partner lacp pdu:
    system priority: 65535
    system mac address: ${eth2Partner}
`;

describe('parseLacp', () => {
  it('reads the active aggregator and each port: aggregator, MII status, partner system MAC', () => {
    const s = parseLacp(sample(2, 1));
    expect(s.active).toEqual({ id: 1, ports: 2, partnerMac: '52:54:00:aa:00:02' });
    expect(s.ports).toEqual([
      { iface: 'eth1', mii: 'up', aggregator: 1, partnerMac: '52:54:00:aa:00:02' },
      { iface: 'eth2', mii: 'up', aggregator: 1, partnerMac: '52:54:00:aa:00:02' },
    ]);
    expect(portsWithPartner(s, '52:54:00:aa:00:02')).toEqual(['eth1', 'eth2']);
  });

  it('a port alone in its own aggregator, with no partner heard, does not count', () => {
    const s = parseLacp(sample(1, 2));
    expect(portsWithPartner(s, '52:54:00:aa:00:02')).toEqual(['eth1']);
    expect(portsWithPartner(parseLacp(sample(2, 1, '00:00:00:00:00:00')), '52:54:00:aa:00:02')).toEqual([]);
    expect(parseLacp('bond bond0 has no active aggregator\n').active).toBeUndefined();
    // Partner heard on both ports, but eth2 sits in an aggregator of its own: only the active one counts.
    expect(portsWithPartner(parseLacp(sample(1, 2, '52:54:00:aa:00:02', '52:54:00:aa:00:02')), '52:54:00:aa:00:02')).toEqual(['eth1']);
  });
});
