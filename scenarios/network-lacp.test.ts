/**
 * 802.3ad bonds that negotiate, in the topology of nixosTest's Bond test: two nodes, each with eth1 on one segment
 * and eth2 on another, bond0 (802.3ad) over both. Each segment has two ports, so the harness wires it point to point
 * (the bridge backend joins the two TAPs with tc redirects; a two-port VDE hub passes everything), LACPDUs reach the
 * partner, and each bond aggregates both ports with the other node as partner. On both network backends.
 */
import { describe, expect, it } from 'vitest';
import { NotYet, retryUntil, type Machine, type NetworkProfile } from '../harness/index.js';
import { describeAsRoot, useCluster } from '../harness/vitest.js';
import { parseLacp, portsWithPartner } from './lib/bonding.js';
import { ping } from './lib/net.js';

const lacp: NetworkProfile = {
  name: 'lacp',
  description: "nixosTest's Bond: eth1 and eth2 on two segments, bond0 802.3ad over both",
  segments: ['link1', 'link2'],
  nics: ['link1', 'link2'],
  bond: { name: 'bond0', mode: '802.3ad', miimonMs: 100, lacpRate: 'fast', slaves: ['eth1', 'eth2'] },
  networks: { cluster: { parent: 'bond0', prefix: '192.168.1' } },
};

const backends = (process.env.N3X_NETWORK_BACKENDS ?? 'bridge,vde').split(',') as ('bridge' | 'vde')[];
const bridge = describeAsRoot('the bridge backend');

/** The ports of `m`'s bond aggregated with `peer` as LACP partner. */
async function aggregatedWith(m: Machine, peer: Machine): Promise<string[]> {
  const peerMac = (await peer.succeed('cat /sys/class/net/bond0/address')).trim();
  return portsWithPartner(parseLacp(await m.succeed('cat /proc/net/bonding/bond0')), peerMac);
}

/** Waits until `m`'s bond has exactly `ports` aggregated with `peer` (LACP fast: a silent partner goes after 3 s). */
async function waitAggregated(m: Machine, peer: Machine, ports: string[]): Promise<void> {
  await retryUntil(
    async () => {
      const got = await aggregatedWith(m, peer);
      if (got.join() !== ports.join()) throw new NotYet(`aggregated with ${peer.name} as partner: [${got.join(', ')}]`, await m.succeed('cat /proc/net/bonding/bond0'));
    },
    { timeout: 60, interval: 0.5, what: `${m.name}'s bond0 to aggregate [${ports.join(', ')}] with ${peer.name} as LACP partner` },
  );
}

for (const network of backends) {
  const d = network === 'bridge' ? bridge : { describe, title: (t: string) => t };
  d.describe(d.title(`network-lacp on ${network}`), () => {
    describe.sequential('2 nodes, bond0 802.3ad over two point-to-point segments', () => {
      const h = useCluster({ profile: lacp, nodes: 2, network, snapshot: 'booted' });

      it('each bond aggregates both ports with the other node as LACP partner (its MAC, 2 ports), and traffic flows', async () => {
        const [a, b] = h.cluster.machines;
        await waitAggregated(a, b, ['eth1', 'eth2']);
        await waitAggregated(b, a, ['eth1', 'eth2']);
        for (const [x, y] of [[a, b], [b, a]]) {
          const s = parseLacp(await x.succeed('cat /proc/net/bonding/bond0'));
          expect(s.active?.ports, x.name).toBe(2);
          expect(s.active?.partnerMac, x.name).toBe((await y.succeed('cat /sys/class/net/bond0/address')).trim());
          expect((await ping(x, h.cluster.address(y.name), { count: 5 })).received, `${x.name} → ${y.name}`).toBe(5);
        }
      });

      it("the peer's port fails (each in turn): traffic stays up over the other port, which stays aggregated; the port rejoins", async () => {
        const [a, b] = h.cluster.machines;
        for (const [port, other] of [['eth1', 'eth2'], ['eth2', 'eth1']]) {
          await b.setLink(port, false);
          await waitAggregated(a, b, [other]); // a's port toward the dead one left the aggregator
          for (const [x, y] of [[a, b], [b, a]]) {
            const s = await ping(x, h.cluster.address(y.name), { count: 20, interval: 0.2 });
            expect(s.received, `${x.name} → ${y.name} with ${b.name}'s ${port} down`).toBe(20);
          }
          await b.setLink(port, true);
          await waitAggregated(a, b, ['eth1', 'eth2']);
          await waitAggregated(b, a, ['eth1', 'eth2']);
        }
      });
    });
  });
}
