/**
 * A mixed-architecture cluster on `vlans`, as the user's fleet: three x86_64 N100 nodes and one Jetson, an
 * aarch64 guest the host emulates (qemu-system-aarch64 -M virt under TCG, the arm64 Debian image). All pairs reach
 * each other on VLAN 200 and 100, the Jetson joins the N100s' etcd cluster as a fourth member, netem works on its
 * link, it survives a crash and restart, and the whole cluster snapshots and restores.
 */
import { describe, expect, it } from 'vitest';
import type { Cluster, Machine } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';
import { ETCD_UNITS, etcdctl, getLocal, put, waitHealthy } from './lib/etcd.js';
import { allPairs, ping } from './lib/net.js';

const N100 = ['n100-1', 'n100-2', 'n100-3'];
const JETSON = 'jetson-1';

/** /etc/default/etcd for one member. */
function etcdEnv(c: Cluster, m: Machine, initial: string, state: 'new' | 'existing'): string {
  const a = c.address(m.name);
  return `cat > /etc/default/etcd <<'EOF'
ETCD_NAME=${m.name}
ETCD_DATA_DIR=/var/lib/etcd/n3x
ETCD_LISTEN_PEER_URLS=http://${a}:2380
ETCD_LISTEN_CLIENT_URLS=http://${a}:2379,http://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=http://${a}:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://${a}:2380
ETCD_INITIAL_CLUSTER=${initial}
ETCD_INITIAL_CLUSTER_STATE=${state}
ETCD_INITIAL_CLUSTER_TOKEN=n3x-${c.id}
ETCD_HEARTBEAT_INTERVAL=200
ETCD_ELECTION_TIMEOUT=4000${m.arch === 'aarch64' ? '\nETCD_UNSUPPORTED_ARCH=arm64' : ''}
EOF`;
}

const peer = (c: Cluster, name: string) => `${name}=http://${c.address(name)}:2380`;

// Four machines boot at once on the reference host's 2 cores, one of them emulated: 180 s for an N100 (the Jetson's
// deadline is that times the measured EMULATION_FACTOR).
describe.sequential('mixed-arch: 3 x86_64 N100 + 1 emulated aarch64 Jetson on vlans', () => {
  const h = useCluster({ profile: 'vlans', nodes: [...N100, { name: JETSON, arch: 'aarch64' }], units: ETCD_UNITS, bootTimeout: 180 });

  it('the Jetson is an aarch64 guest with its console on the PL011 (ttyAMA0); the N100s are x86_64', async () => {
    expect((await h.m(JETSON).succeed('uname -m')).trim()).toBe('aarch64');
    expect(await h.m(JETSON).succeed('cat /proc/cmdline')).toMatch(/console=ttyAMA0/);
    for (const n of N100) expect((await h.m(n).succeed('uname -m')).trim()).toBe('x86_64');
    // The serial console really is the PL011: the kernel writes to the serial log through it.
    await h.m(JETSON).succeed("echo '<2>n3x-pl011-check' > /dev/kmsg");
    await h.m(JETSON).waitForConsoleText('n3x-pl011-check', { timeout: 30 });
  });

  it('all pairs reach each other on VLAN 200 (cluster) and VLAN 100 (storage)', async () => {
    expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
    expect(await allPairs(h.cluster, 'storage')).toEqual([]);
    expect(await h.m(JETSON).succeed('ip -d -o link show eth1.200')).toMatch(/vlan protocol 802.1Q id 200/);
  });

  it('the Jetson joins the N100s\' etcd cluster as a fourth member', async () => {
    const c = h.cluster;
    const n100 = N100.map((n) => c.machine(n));
    const initial = N100.map((n) => peer(c, n)).join(',');
    await Promise.all(n100.map((m) => m.succeed(etcdEnv(c, m, initial, 'new'), 'systemctl start --no-block etcd.service')));
    await Promise.all(n100.map((m) => waitHealthy(m)));
    const jetson = c.machine(JETSON);
    // etcd refuses a reconfiguration until every member has been connected for a few seconds ("not healthy for
    // reconfigure"): retry, and never add the member twice (an attempt may succeed after its client gave up).
    const peerUrl = `http://${c.address(JETSON)}:2380`;
    await n100[0].waitUntilSucceeds(`l=$(${etcdctl('member list')}); case "$l" in *', ${peerUrl},'*) ;; *) ${etcdctl(`member add ${JETSON} --peer-urls=${peerUrl}`, 30)} ;; esac`, { timeout: 90 });
    await jetson.succeed(etcdEnv(c, jetson, `${initial},${peer(c, JETSON)}`, 'existing'), 'systemctl start --no-block etcd.service');
    await waitHealthy(jetson, 300);
    const members = await n100[0].succeed(etcdctl('member list'));
    expect(members.trim().split('\n')).toHaveLength(4);
    expect(members).toMatch(new RegExp(`started, ${JETSON}, http://${c.address(JETSON).replace(/\./g, '\\.')}:2380`));
    expect((await put(n100[1], 'from-n100', 'x86')).status).toBe(0);
    await jetson.waitUntilSucceeds(`test "$(${etcdctl('get from-n100 --print-value-only --consistency=s')})" = x86`, { timeout: 60 });
    expect((await put(jetson, 'from-jetson', 'arm', 30)).status).toBe(0);
    for (const m of n100) await m.waitUntilSucceeds(`test "$(${etcdctl('get from-jetson --print-value-only --consistency=s')})" = arm`, { timeout: 30 });
  });

  it('netem on the Jetson\'s link shows up in the RTT from an N100 and clears again', async () => {
    const jetson = h.m(JETSON);
    const from = h.m('n100-1');
    const target = h.cluster.address(JETSON);
    const base = (await ping(from, target, { count: 10, interval: 0.2 })).avgMs!;
    await jetson.netem(h.cluster.iface(), { delayMs: 100 });
    const delayed = await ping(from, target, { count: 10, interval: 0.2 });
    await jetson.clearNetem(h.cluster.iface());
    const after = (await ping(from, target, { count: 10, interval: 0.2 })).avgMs!;
    console.log(`mixed-arch netem RTT n100-1 → ${JETSON}: base ${base} ms, with 100 ms delay ${delayed.avgMs} ms, cleared ${after} ms`);
    expect(delayed.received).toBe(10);
    // The added 100 ms dominates the emulated guest's own jitter (a few ms): at least 90 ms more, not double.
    expect(delayed.avgMs! - base).toBeGreaterThanOrEqual(90);
    expect(delayed.avgMs! - base).toBeLessThanOrEqual(150);
    expect(after).toBeLessThan(base + 50);
  });

  it('crash and restart the Jetson: etcd keeps its quorum meanwhile, the Jetson catches up after a fresh boot', async () => {
    const jetson = h.m(JETSON);
    const bootBefore = jetson.bootId;
    await jetson.crash();
    expect(jetson.isUp()).toBe(false);
    expect((await put(h.m('n100-1'), 'while-down', 'written', 30)).status).toBe(0); // 3 of 4 members: quorum
    await jetson.start();
    expect(jetson.bootId).not.toBe(bootBefore);
    expect((await jetson.succeed('uname -m')).trim()).toBe('aarch64');
    await jetson.succeed('systemctl start --no-block etcd.service');
    await waitHealthy(jetson, 300);
    await jetson.waitUntilSucceeds(`test "$(${etcdctl('get while-down --print-value-only --consistency=s')})" = written`, { timeout: 120 });
    expect(await getLocal(jetson, 'from-n100')).toBe('x86');
    expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
  });

  it('snapshot and restore the mixed cluster: the Jetson comes back with its memory, etcd still has four members', async () => {
    const c = h.cluster;
    await put(c.machine('n100-1'), 'before-snapshot', 'kept', 30);
    await c.snapshot('mixed');
    await put(c.machine('n100-1'), 'after-snapshot', 'lost', 30);
    const boot = c.machine(JETSON).bootId;
    await c.restore('mixed');
    expect(c.machine(JETSON).bootId).toBe(boot); // the same boot: memory restored, not rebooted
    expect((await c.machine(JETSON).succeed('uname -m')).trim()).toBe('aarch64');
    await waitHealthy(c.machine(JETSON), 300);
    await c.machine(JETSON).waitUntilSucceeds(`test "$(${etcdctl('get before-snapshot --print-value-only --consistency=s')})" = kept`, { timeout: 120 });
    expect(await getLocal(c.machine('n100-2'), 'after-snapshot')).toBe('');
    expect((await c.machine('n100-1').succeed(etcdctl('member list'))).trim().split('\n')).toHaveLength(4);
  });
});
