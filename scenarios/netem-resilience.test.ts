/**
 * etcd under the user's traffic-control profiles (latency 50±10 ms, loss 5 %, bandwidth 10 Mbit, combined
 * edge device), applied to each member's cluster interface in turn: the cluster stays healthy and writes
 * succeed (latency reported). Then a harsh profile (40 % loss) degrades the member as expected, and the
 * cluster fully recovers after clearNetem.
 */
import { describe, expect, it } from 'vitest';
import { netemProfiles, type Machine } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';
import { ETCD_FORMED, ETCD_UNITS, etcdctl, leader, parseTimedPuts, timedPuts, waitHealthy } from './lib/etcd.js';
import { ping } from './lib/net.js';

/** Times n sequential etcd writes from one member; returns per-write ms and the failures. */
const writeBatch = async (m: Machine, n: number, prefix: string) => parseTimedPuts(await m.succeed(timedPuts(prefix, n)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** TCP segments the guest retransmitted since boot (/proc/net/snmp). */
async function retransmits(m: Machine): Promise<number> {
  const lines = (await m.succeed('grep ^Tcp: /proc/net/snmp')).trim().split('\n').map((l) => l.split(/\s+/));
  return Number(lines[1][lines[0].indexOf('RetransSegs')]);
}

describe.sequential('netem-resilience: etcd on vlans under constrained links', () => {
  const h = useCluster({ profile: 'vlans', nodes: 3, units: ETCD_UNITS, snapshot: ETCD_FORMED });
  let baseline = 0;
  let baselineMax = 0; // for the log only: how many harsh writes took longer than any baseline write

  it('baseline: healthy cluster and write latency', async () => {
    await Promise.all(h.cluster.machines.map((m) => waitHealthy(m)));
    const b = await writeBatch(h.m('n100-1'), 10, 'base');
    expect(b.failed).toBe(0);
    baseline = median(b.ms);
    baselineMax = Math.max(...b.ms);
    console.log(`netem-resilience: baseline median write ${baseline} ms (10 writes, etcdctl process start included)`);
  });

  for (const [name, spec] of Object.entries(netemProfiles)) {
    it(`${name} (${JSON.stringify(spec)}) on each member in turn: healthy, writes succeed`, async () => {
      const iface = h.cluster.iface();
      for (const m of h.cluster.machines) {
        await m.netem(iface, spec);
        try {
          await m.waitUntilSucceeds(etcdctl('endpoint health --cluster', 10), { timeout: 60 });
          const r = await writeBatch(m, 5, `${name}-${m.name}`);
          console.log(`netem-resilience: ${name} on ${m.name}: median write ${median(r.ms)} ms, ${r.failed} of 5 failed`);
          expect(r.failed).toBe(0);
        } finally {
          await m.clearNetem(iface);
        }
      }
    });
  }

  it('harsh: 40 % loss on one member degrades it as expected; clearNetem fully recovers', async () => {
    const iface = h.cluster.iface();
    // A follower: each of its writes is forwarded to the leader over the lossy link.
    const { machine: peer } = await leader(h.cluster, h.cluster.machines);
    const lossy = h.cluster.machines.find((m) => m !== peer)!;
    const retrans0 = await retransmits(lossy);
    await lossy.netem(iface, { lossPct: 40 });
    const p = await ping(lossy, h.cluster.address(peer.name), { count: 50, interval: 0.05 });
    const r = await writeBatch(lossy, 10, 'harsh');
    const retrans = (await retransmits(lossy)) - retrans0;
    const delayed = r.ms.filter((t) => t > baselineMax + 150).length;
    console.log(`netem-resilience: 40 % loss on follower ${lossy.name}: ping loss ${p.lossPct.toFixed(0)} %, ${retrans} TCP retransmits, writes ok ${r.ms.length}/10 (${delayed} delayed past the baseline maximum), median ${r.ms.length ? median(r.ms) : '-'} ms`);
    // Degradation: the member loses packets, and its raft traffic to the leader needs retransmits.
    expect(p.lossPct).toBeGreaterThanOrEqual(20);
    expect(retrans).toBeGreaterThan(0);
    await lossy.clearNetem(iface);
    // Recovery: no netem qdisc left, every member healthy, a clean ping, every write succeeds. Write latency is
    // logged beside the baseline, not asserted: under a loaded TCG host it measures the host, not the recovery.
    expect(await lossy.succeed(`tc qdisc show dev ${iface}`)).not.toMatch(/netem/);
    for (const x of h.cluster.machines) await x.waitUntilSucceeds(etcdctl('endpoint health', 10), { timeout: 60 });
    expect((await ping(lossy, h.cluster.address(peer.name), { count: 20, interval: 0.05 })).lossPct).toBe(0);
    const rec = await writeBatch(lossy, 10, 'recovered');
    console.log(`netem-resilience: recovered: median write ${median(rec.ms)} ms (baseline ${baseline} ms)`);
    expect(rec.failed).toBe(0);
  });
});
