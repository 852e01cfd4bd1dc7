/** bonding-vlans profile: bond0 (active-backup) over eth1+eth2, VLANs 200/100 on bond0, failover under traffic. */
import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/vitest.js';
import { parsePing } from './lib/net.js';
import { netemTests, partitionTests, reachabilityTests } from './lib/network-suite.js';

const activeSlave = async (m: { succeed(c: string): Promise<string> }) =>
  /Currently Active Slave: (\S+)/.exec(await m.succeed('cat /proc/net/bonding/bond0'))?.[1];

describe.sequential('network-bonding-vlans: 3 nodes, bond0 + VLANs', () => {
  const h = useCluster({ profile: 'bonding-vlans', nodes: 3, snapshot: 'booted' });
  reachabilityTests(h, 'bonding-vlans');

  it('bond0 is active-backup over eth1 and eth2 with VLANs 200 and 100 on top', async () => {
    const m = h.m('n100-1');
    const bond = await m.succeed('cat /proc/net/bonding/bond0');
    expect(bond).toContain('Bonding Mode: fault-tolerance (active-backup)');
    expect(bond).toMatch(/Slave Interface: eth1[\s\S]*Slave Interface: eth2/);
    expect(await m.succeed('ip -d -o link show bond0.200')).toMatch(/link\/ether.*vlan protocol 802.1Q id 200/);
    expect(await m.succeed('ip -4 -o addr show dev bond0.100')).toContain('192.168.100.1/24');
  });

  it('cutting the active NIC fails over to the other with bounded ping loss', async () => {
    const [a, b] = h.cluster.machines;
    expect(await activeSlave(a)).toBe('eth1');
    const target = h.cluster.address(a.name);
    // 200 pings at 50 ms from b to a; a's active link is cut 2 s in.
    await b.succeed(`ping -n -q -c 200 -i 0.05 -W 1 ${target} > /tmp/failover.txt 2>&1 & echo $! > /tmp/failover.pid`);
    await a.sleep(2);
    await a.setLink('eth1', false);
    await b.waitUntilFails('kill -0 $(cat /tmp/failover.pid)', { timeout: 60 });
    const stats = parsePing(await b.succeed('cat /tmp/failover.txt'));
    console.log(`bond failover: ${stats.sent - stats.received} of ${stats.sent} pings lost (${stats.lossPct.toFixed(1)} %)`);
    expect(await activeSlave(a)).toBe('eth2');
    expect(stats.lossPct).toBeLessThanOrEqual(5);
    await a.setLink('eth1', true);
    await a.waitUntilSucceeds("grep -A1 'Slave Interface: eth1' /proc/net/bonding/bond0 | grep -q 'MII Status: up'", { timeout: 30 });
  });

  partitionTests(h);
  netemTests(h);
});
