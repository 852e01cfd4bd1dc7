/** vlans profile: 802.1Q trunk on eth1, VLAN 200 cluster and VLAN 100 storage, with isolation proven by traffic. */
import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/testing/vitest.js';
import { counters, ping } from './lib/net.js';
import { netemTests, partitionTests, reachabilityTests } from './lib/network-suite.js';

describe.sequential('network-vlans: 3 nodes on an 802.1Q trunk', () => {
  const h = useCluster({ profile: 'vlans', nodes: 3, snapshot: 'booted' });
  reachabilityTests(h);

  it('interfaces are eth1.200 (192.168.200.x) and eth1.100 (192.168.100.x) with VLAN ids 200 and 100', async () => {
    const m = h.m('n100-2');
    expect(await m.succeed('ip -d -o link show eth1.200')).toMatch(/vlan protocol 802.1Q id 200/);
    expect(await m.succeed('ip -d -o link show eth1.100')).toMatch(/vlan protocol 802.1Q id 100/);
    expect(await m.succeed('ip -4 -o addr show dev eth1.200')).toContain('192.168.200.2/24');
    expect(await m.succeed('ip -4 -o addr show dev eth1.100')).toContain('192.168.100.2/24');
  });

  it('VLANs do not leak: a storage address is unreachable from the cluster VLAN and untagged', async () => {
    const [a, b] = h.cluster.machines;
    // Control: untagged frames do cross the trunk between two untagged addresses.
    await a.succeed('ip addr add 10.99.0.1/24 dev eth1');
    await b.succeed('ip addr add 10.99.0.2/24 dev eth1');
    expect((await ping(a, '10.99.0.2', { count: 2 })).received).toBe(2);
    // Same subnet as b's storage address, but on VLAN 200 and untagged: b's 192.168.100.2 lives on VLAN 100 only.
    await a.succeed('ip addr add 192.168.100.201/24 dev eth1.200', 'ip addr add 192.168.100.202/24 dev eth1');
    expect((await ping(a, '192.168.100.2', { iface: 'eth1.200', count: 2 })).received).toBe(0);
    expect((await ping(a, '192.168.100.2', { iface: 'eth1', count: 2 })).received).toBe(0);
    expect((await ping(a, '192.168.100.2', { iface: 'eth1.100', count: 2 })).received).toBe(2);
    await a.succeed('ip addr del 192.168.100.201/24 dev eth1.200', 'ip addr del 192.168.100.202/24 dev eth1', 'ip addr del 10.99.0.1/24 dev eth1');
    await b.succeed('ip addr del 10.99.0.2/24 dev eth1');
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
