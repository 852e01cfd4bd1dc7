/**
 * Full-size frames: a 1500-byte IP packet with Don't Fragment between every pair of nodes on each logical
 * network (over the VLAN trunk on the vlans and bonding-vlans profiles), and flannel's VXLAN MTU across pods.
 */
import { expect } from 'vitest';
import { type Cluster } from '../../harness/index.js';

/** ICMP echo payload that fills an IP packet of `mtu` bytes (20 IP + 8 ICMP header bytes). Pure. */
export const fullPayload = (mtu: number) => mtu - 28;
/** flannel's VXLAN overhead: the outer IPv4 (20), UDP (8), VXLAN (8) and inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;

/** The networks a profile has: cluster, and storage where it is a network of its own. */
export function frameNets(c: Cluster): ('cluster' | 'storage')[] {
  return c.profile.networks.storage ? ['cluster', 'storage'] : ['cluster'];
}

/**
 * Every node's interface on each network has MTU 1500 and a 1500-byte packet with DF set crosses to every other
 * node (`ping -M do`: a smaller path MTU fails instead of fragmenting); one byte more is refused at the sender.
 */
export async function expectFullFramesBetweenNodes(c: Cluster, o: { timeout: number }): Promise<void> {
  for (const net of frameNets(c)) {
    const iface = c.iface(net);
    for (const a of c.machines) {
      expect((await a.succeed(`cat /sys/class/net/${iface}/mtu`)).trim(), `${a.name} ${iface} MTU`).toBe('1500');
      for (const b of c.machines) {
        if (a === b) continue;
        const to = c.address(b.name, net);
        await a.waitUntilSucceeds(`ping -n -c1 -W2 -M do -s ${fullPayload(1500)} ${to}`, { timeout: o.timeout });
      }
      const peer = c.machines.find((m) => m !== a)!;
      await a.fail(`ping -n -c1 -W2 -M do -s ${fullPayload(1500) + 1} ${c.address(peer.name, net)}`);
    }
  }
}
