/** vlans profile: 802.1Q trunk on eth1, VLAN 200 cluster and VLAN 100 storage, with isolation proven by traffic. */
import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/vitest.js';
import { counters, vlanTraffic } from './lib/net.js';
import { netemTests, partitionTests, reachabilityTests } from './lib/network-suite.js';

describe.sequential('network-vlans: 3 nodes on an 802.1Q trunk', () => {
  const h = useCluster({ profile: 'vlans', nodes: 3, snapshot: 'booted' });
  reachabilityTests(h, 'vlans');

  it('interfaces are eth1.200 (192.168.200.x) and eth1.100 (192.168.100.x) with VLAN ids 200 and 100', async () => {
    const m = h.m('n100-2');
    expect(await m.succeed('ip -d -o link show eth1.200')).toMatch(/vlan protocol 802.1Q id 200/);
    expect(await m.succeed('ip -d -o link show eth1.100')).toMatch(/vlan protocol 802.1Q id 100/);
    expect(await m.succeed('ip -4 -o addr show dev eth1.200')).toContain('192.168.200.2/24');
    expect(await m.succeed('ip -4 -o addr show dev eth1.100')).toContain('192.168.100.2/24');
  });

  it('VLANs do not leak: VLAN 200 traffic is never received on the VLAN 100 interface (receiver counters)', async () => {
    const [a, b] = h.cluster.machines;
    // Strict multi-homed ARP and reverse-path filtering: a frame that leaked onto the wrong VLAN cannot be answered
    // there (weak-host defaults would answer it and make the leak look like working connectivity).
    for (const m of [a, b]) await m.succeed('sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=1');
    const clean = await vlanTraffic(a, b, h.cluster.address(b.name), 'eth1.200');
    expect(clean.replies).toBe(100);
    expect(clean.onRightVlan).toBeGreaterThanOrEqual(100);
    expect(clean.onWrongVlan).toBeLessThanOrEqual(3);

    // Break isolation on purpose: a sends cluster-subnet traffic out of its VLAN 100 interface (a cluster address
    // configured on the storage VLAN). The same observation must see it arrive on b's VLAN 100 interface.
    const bMac = (await b.succeed('cat /sys/class/net/eth1/address')).trim();
    const target = h.cluster.address(b.name);
    await a.succeed('ip addr add 192.168.200.201/24 dev eth1.100');
    // A static neighbour entry, so the frames go out without an ARP answer that strict ARP withholds.
    await a.succeed(`ip neigh replace ${target} lladdr ${bMac} dev eth1.100 nud permanent`);
    try {
      const leaked = await vlanTraffic(a, b, target, 'eth1.100');
      expect(leaked.onWrongVlan).toBeGreaterThanOrEqual(100);
      expect(leaked.replies).toBe(0); // strict ARP and rp_filter: b does not answer a cluster address on the storage VLAN
    } finally {
      await a.succeed(`ip neigh del ${target} dev eth1.100`, 'ip addr del 192.168.200.201/24 dev eth1.100');
    }
  });

  it('storage traffic moves the VLAN 100 counters, not VLAN 200', async () => {
    const [a, b] = h.cluster.machines;
    const s0 = await counters(b, 'eth1.100');
    const c0 = await counters(b, 'eth1.200');
    await a.succeed(`ping -q -c 20 -i 0.05 -s 1400 ${h.cluster.address(b.name, 'storage')}`);
    const s1 = await counters(b, 'eth1.100');
    const c1 = await counters(b, 'eth1.200');
    expect(s1.rx - s0.rx).toBeGreaterThan(20 * 1400);
    expect(c1.rx - c0.rx).toBeLessThan(5000);
  });

  partitionTests(h);
  netemTests(h);
});

/**
 * The seed's production layout on a switch that enforces VLAN membership: n100-1 trunks VLANs 200 and 100,
 * n100-2 trunks only VLAN 200, `storage` is an access port on VLAN 100. n100-2 must not reach VLAN 100.
 */
describe.sequential('network-vlans: a switch that keeps each port to its VLANs', () => {
  const h = useCluster({
    profile: 'vlans',
    nodes: ['n100-1', { name: 'n100-2', nics: [{ segment: 'trunk', tagged: [200] }] }, { name: 'storage', nics: [{ segment: 'trunk', vlan: 100 }] }],
  });

  it('the trunk segment filters VLANs (bridge vlan_filtering where the host kernel has it, else VDE port VLANs)', () => {
    const [trunk] = h.cluster.segmentsInfo();
    expect(trunk.filter).toMatch(/^(bridge vlan_filtering|vde port VLANs)$/);
    console.log(`trunk ${trunk.hostName}: ${trunk.kind}, VLANs enforced by ${trunk.filter}`);
  });

  it('ports pass their VLANs: n100-2 reaches n100-1 on VLAN 200 tagged, the access port reaches n100-1 on VLAN 100 untagged', async () => {
    await h.m('n100-2').succeed(`ping -c 2 -W 5 ${h.cluster.address('n100-1')}`);
    await h.m('storage').succeed(`ping -c 2 -W 5 ${h.cluster.address('n100-1', 'storage')}`);
    expect(await h.m('storage').succeed('ip -4 -o addr show dev eth1')).toContain('192.168.100.3/24');
  });

  it('n100-2, whose port lacks VLAN 100, reaches no VLAN 100 address, tagging frames itself or sending them untagged', async () => {
    const m = h.m('n100-2');
    const targets = [h.cluster.address('n100-1', 'storage'), h.cluster.address('storage', 'storage')];
    await m.succeed('ip link add link eth1 name eth1.100 type vlan id 100', 'ip link set eth1.100 up', 'ip addr add 192.168.100.202/24 dev eth1.100');
    try {
      for (const t of targets) await m.fail(`ping -c 3 -W 1 ${t}`);
    } finally {
      await m.succeed('ip link del eth1.100');
    }
    await m.succeed('ip addr add 192.168.100.202/24 dev eth1');
    try {
      for (const t of targets) await m.fail(`ping -c 3 -W 1 ${t}`);
    } finally {
      await m.succeed('ip addr del 192.168.100.202/24 dev eth1');
    }
  });
});
