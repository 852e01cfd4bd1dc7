/** Network checks shared by the network scenarios: real traffic between real guests. */
import type { Cluster, Machine } from '../../harness/index.js';

export interface PingStats {
  sent: number;
  received: number;
  lossPct: number;
  avgMs?: number;
}

/** Parses iputils ping's summary. */
export function parsePing(out: string): PingStats {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  if (!m) throw new Error(`no ping summary in: ${out.slice(-300)}`);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(out);
  const sent = Number(m[1]);
  const received = Number(m[2]);
  return { sent, received, lossPct: sent ? (100 * (sent - received)) / sent : 100, avgMs: rtt ? Number(rtt[1]) : undefined };
}

/** Pings `addr` from machine `from` (optionally bound to an interface); never throws on loss. */
export async function ping(from: Machine, addr: string, opts: { count?: number; interval?: number; iface?: string; waitS?: number } = {}): Promise<PingStats> {
  const r = await from.execute(`ping -n -q -c ${opts.count ?? 3} -i ${opts.interval ?? 0.2} -W ${opts.waitS ?? 1} ${opts.iface ? `-I ${opts.iface} ` : ''}${addr}`);
  return parsePing(r.stdout);
}

/** Every machine pings every other machine's address on a logical network; returns failures. */
export async function allPairs(c: Cluster, net: 'cluster' | 'storage'): Promise<string[]> {
  const bad: string[] = [];
  for (const a of c.machines) {
    for (const b of c.machines) {
      if (a === b) continue;
      const s = await ping(a, c.address(b.name, net), { count: 2, interval: 0.2 });
      if (s.received === 0) bad.push(`${a.name} → ${b.name} (${c.address(b.name, net)})`);
    }
  }
  return bad;
}

/** Bytes received/sent on a guest interface. */
export async function counters(m: Machine, iface: string): Promise<{ rx: number; tx: number }> {
  const out = await m.succeed(`cat /sys/class/net/${iface}/statistics/rx_bytes /sys/class/net/${iface}/statistics/tx_bytes`);
  const [rx, tx] = out.trim().split('\n').map(Number);
  return { rx, tx };
}

/** Packets received on a guest interface so far. */
export async function rxPackets(m: Machine, iface: string): Promise<number> {
  return Number((await m.succeed(`cat /sys/class/net/${iface}/statistics/rx_packets`)).trim());
}

/**
 * Sends 100 pings from `a` (out of interface `via`) to `target` on `b`, and counts what `b` received on each
 * of its two VLAN interfaces: where the traffic belongs (eth1.200 for a cluster address) and the other VLAN.
 */
export async function vlanTraffic(a: Machine, b: Machine, target: string, via: string, vlans = { right: 'eth1.200', wrong: 'eth1.100' }): Promise<{ replies: number; onRightVlan: number; onWrongVlan: number }> {
  const [r0, w0] = [await rxPackets(b, vlans.right), await rxPackets(b, vlans.wrong)];
  const s = await ping(a, target, { count: 100, interval: 0.01, iface: via, waitS: 1 });
  const [r1, w1] = [await rxPackets(b, vlans.right), await rxPackets(b, vlans.wrong)];
  return { replies: s.received, onRightVlan: r1 - r0, onWrongVlan: w1 - w0 };
}
