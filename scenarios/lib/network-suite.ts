/** The network scenario body, shared by the three profile files: reachability, isolation, partition, netem. */
import { expect, it } from 'vitest';
import type { ClusterHandle } from '../../harness/vitest.js';
import { getProfile, type ProfileName } from '../../harness/index.js';
import { allPairs, ping } from './net.js';

export function reachabilityTests(h: ClusterHandle, profile: ProfileName): void {
  const storage = getProfile(profile).networks.storage !== undefined;
  const nets = storage ? (['cluster', 'storage'] as const) : (['cluster'] as const);

  it('the network set-up is n3x-network.service, before network.target and network-online.target, which are active after it', async () => {
    for (const m of h.cluster.machines) {
      await m.waitForUnit('network.target', { timeout: 60 }); // reached as the boot allows: on a loaded host, seconds after the set-up
      await m.waitForUnit('network-online.target', { timeout: 60 });
      const unit = await m.getUnitInfo('n3x-network.service');
      expect(unit.ActiveState, m.name).toBe('active');
      expect(unit.Before.split(' '), m.name).toEqual(expect.arrayContaining(['network.target', 'network-online.target']));
      const entered = async (u: string) => Number(await m.getUnitProperty(u, 'ActiveEnterTimestampMonotonic'));
      expect(await entered('network.target'), m.name).toBeGreaterThanOrEqual(Number(unit.ActiveEnterTimestampMonotonic));
      expect(await entered('network-online.target'), m.name).toBeGreaterThanOrEqual(await entered('network.target'));
    }
  });

  it('all pairs reach each other on the cluster network', async () => {
    expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
  });

  if (storage) {
    it('all pairs reach each other on the storage network', async () => {
      expect(await allPairs(h.cluster, 'storage')).toEqual([]);
    });
  } else {
    it('without a storage network, storage falls back to the cluster network: same interface and addresses', () => {
      expect(h.cluster.iface('storage')).toBe(h.cluster.iface('cluster'));
      for (const m of h.cluster.machines) {
        expect(h.cluster.address(m.name, 'storage')).toBe(h.cluster.address(m.name, 'cluster'));
        expect(h.cluster.address6(m.name, 'storage')).toBe(h.cluster.address6(m.name, 'cluster'));
      }
    });
  }

  it('hostnames resolve through /etc/hosts to cluster addresses, IPv4 and IPv6', async () => {
    const [a, b] = h.cluster.machines;
    expect((await a.succeed(`getent ahostsv4 ${b.name}`)).split(/\s+/)[0]).toBe(h.cluster.address(b.name));
    expect((await a.succeed(`getent ahostsv6 ${b.name}`)).split(/\s+/)[0]).toBe(h.cluster.address6(b.name));
    expect((await ping(a, b.name, { count: 1 })).received).toBe(1);
  });

  it(`all pairs reach each other over IPv6 on the ${nets.join(' and ')} network${nets.length > 1 ? 's' : ''}`, async () => {
    const bad: string[] = [];
    for (const a of h.cluster.machines) {
      for (const b of h.cluster.machines) {
        if (a === b) continue;
        for (const net of nets) {
          const s = await ping(a, h.cluster.address6(b.name, net), { count: 2 });
          if (s.received === 0) bad.push(`${a.name} → ${b.name} ${net} (${h.cluster.address6(b.name, net)})`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('no default route in any guest', async () => {
    for (const m of h.cluster.machines) expect((await m.succeed('ip route show default')).trim()).toBe('');
  });
}

export function partitionTests(h: ClusterHandle): void {
  it('partition isolates one node from the others; heal restores it', async () => {
    const [a, b, c] = h.cluster.machines;
    const addr = (n: string) => h.cluster.address(n);
    await h.cluster.partition([a.name], [b.name, c.name]);
    expect((await ping(a, addr(b.name), { count: 2 })).received).toBe(0);
    expect((await ping(c, addr(a.name), { count: 2 })).received).toBe(0);
    expect((await ping(b, addr(c.name), { count: 2 })).received).toBe(2); // the majority still talks
    await h.cluster.heal();
    expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
  });

  it('block/unblock cuts and restores every data link of a node', async () => {
    const [a, b] = h.cluster.machines;
    await a.block();
    expect((await ping(b, h.cluster.address(a.name), { count: 2 })).received).toBe(0);
    expect(await a.succeed('echo backdoor-still-works')).toBe('backdoor-still-works\n');
    await a.unblock();
    await b.waitUntilSucceeds(`ping -c1 -W1 ${h.cluster.address(a.name)}`, { timeout: 30 });
  });
}

export function netemTests(h: ClusterHandle): void {
  it('netem delay shows up in ping RTT (within ±20 %) and clears again', async () => {
    const [a, b] = h.cluster.machines;
    const target = h.cluster.address(b.name);
    const base = (await ping(a, target, { count: 10, interval: 0.2 })).avgMs!;
    await a.netem(h.cluster.iface(), { delayMs: 50 });
    const delayed = (await ping(a, target, { count: 10, interval: 0.2 })).avgMs!;
    await a.clearNetem(h.cluster.iface());
    const after = (await ping(a, target, { count: 10, interval: 0.2 })).avgMs!;
    console.log(`netem RTT ${h.cluster.profile.name}: base ${base} ms, with 50 ms delay ${delayed} ms, cleared ${after} ms`);
    const expected = base + 50;
    expect(Math.abs(delayed - expected)).toBeLessThanOrEqual(0.2 * expected);
    expect(after).toBeLessThan(base + 25);
  });
}
