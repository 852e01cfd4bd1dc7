/**
 * Whole-cluster snapshots: a 3-member etcd cluster formed once is restored in seconds, from the cache by a
 * new cluster and in place by a running one, with working networks, host-time clocks and a healthy etcd.
 * A corrupt snapshot is rejected with a clear error, and a cluster asking for it boots cold instead.
 */
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSnapshots, startCluster, type Cluster, type Machine, backingOf } from '../harness/index.js';
import { ETCD_FORMED, etcdctl, getLocal, leader, put } from './lib/etcd.js';
import { allPairs } from './lib/net.js';

const clusters: Cluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});
const start = async (...args: Parameters<typeof startCluster>) => {
  const c = await startCluster(...args);
  clusters.push(c);
  return c;
};

/** Guest wall clock minus host clock, in seconds (bounded by the command's round trip). */
async function clockSkew(m: Machine): Promise<number> {
  const before = Date.now() / 1000;
  const guest = Number(await m.succeed('date +%s.%N'));
  const after = Date.now() / 1000;
  return guest < before ? guest - before : guest > after ? guest - after : 0;
}

/** Every promise a restored cluster must keep: networks, clocks, one etcd leader, writes and reads. */
async function assertWorking(c: Cluster, key: string): Promise<{ machine: Machine; status: { raftTerm: number } }> {
  expect(await allPairs(c, 'cluster')).toEqual([]);
  expect(await allPairs(c, 'storage')).toEqual([]);
  for (const m of c.machines) expect(Math.abs(await clockSkew(m))).toBeLessThan(1);
  const l = await leader(c, c.machines, 30);
  expect((await put(c.machines[2], key, 'ok', 10)).status).toBe(0);
  for (const m of c.machines) await m.waitUntilSucceeds(`test "$(${etcdctl(`get ${key} --print-value-only --consistency=s`)})" = ok`, { timeout: 30 });
  return l;
}

describe.sequential('snapshots: a formed etcd cluster on vlans', () => {
  let b: Cluster;

  it('the first cluster builds (or restores) etcd-formed; the next one is restored from it (no boot) and works', async () => {
    const a = await start({ profile: 'vlans', nodes: 3, snapshot: ETCD_FORMED });
    console.log(`snapshots: first cluster ${a.restoredFrom ? `restored etcd-formed in ${a.restoredFrom.ms} ms` : `booted and formed etcd, then saved etcd-formed`}`);
    await a.stop();
    b = await start({ profile: 'vlans', nodes: 3, snapshot: ETCD_FORMED });
    expect(b.restoredFrom?.name).toBe('etcd-formed');
    console.log(`snapshots: restored 3 machines in ${b.restoredFrom!.ms} ms (no boot, no etcd formation)`);
    await assertWorking(b, 'from-cache');
  });

  it('in place: snapshot, change, restore — twice in a row — brings back exactly the saved state', async () => {
    await put(b.machines[0], 'phase', 'before', 10);
    const l0 = await leader(b, b.machines);
    // 36 MiB more on n100-1's disk: its restores lay a qcow2 overlay on the snapshot's copy (the others copy theirs).
    await b.machines[0].succeed('head -c 36M /dev/urandom > /root/ballast && sync');
    await b.snapshot('mid');
    const midDir = join(b.stateDir, 'snapshots', 'mid');
    const disks = b.machines.flatMap((m) => m.diskFiles().map((f) => join(midDir, m.name, basename(f))));
    // b was restored from the cache (its disks are overlays on the cached snapshot's): mid's copies stand alone.
    for (const f of disks) expect(await backingOf(f)).not.toMatch(/snapshots/);
    const unchanged = () => disks.map((f) => `${f} ${statSync(f).size} ${statSync(f).mtimeMs}`);
    const before = unchanged();
    await put(b.machines[0], 'phase', 'after', 10);
    await b.machines[1].succeed('touch /root/after-snapshot');
    for (const round of [1, 2]) {
      await b.restore('mid');
      console.log(`snapshots: in-place restore #${round} in ${b.restoredFrom!.ms} ms`);
      for (const m of b.machines) expect(await getLocal(m, 'phase')).toBe('before');
      await b.machines[1].fail('test -e /root/after-snapshot');
      const l = await assertWorking(b, `round-${round}`);
      console.log(`snapshots: leader before ${l0.machine.name} term ${l0.status.raftTerm}, after restore ${l.machine.name} term ${l.status.raftTerm}`);
      expect(l.status.raftTerm).toBeGreaterThanOrEqual(l0.status.raftTerm);
      await b.machines[1].succeed('touch /root/after-snapshot');
    }
    expect(unchanged()).toEqual(before); // restores write to overlays, never to the snapshot's disks
    expect(await backingOf(join(b.stateDir, b.machines[0].name, 'root.qcow2'))).toBe(join(midDir, b.machines[0].name, 'root.qcow2'));
    // A snapshot of a restored cluster does not lean on the snapshot it came from.
    await b.snapshot('mid2');
    for (const m of b.machines) expect(await backingOf(join(b.stateDir, 'snapshots', 'mid2', m.name, 'root.qcow2'))).not.toMatch(/snapshots/);
  });

  it('a corrupt in-run snapshot is refused with a clear error', async () => {
    const state = join(b.stateDir, 'snapshots', 'mid', 'n100-2', 'state');
    corrupt(state);
    await expect(b.restore('mid')).rejects.toThrow(/snapshot mid: n100-2\/state does not match its checksum \(corrupt\)/);
    expect(b.machines.every((m) => !m.isUp())).toBe(true); // nothing half-restored keeps running
    await b.stop();
  });
});

describe.sequential('snapshots: cache fallback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-snapcache-'));
  const saved = process.env.N3X_SNAPSHOT_DIR;
  afterAll(() => {
    if (saved === undefined) delete process.env.N3X_SNAPSHOT_DIR;
    else process.env.N3X_SNAPSHOT_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a corrupt cached snapshot is rejected: the cluster boots cold and the cache is rebuilt', async () => {
    process.env.N3X_SNAPSHOT_DIR = dir;
    const first = await start({ profile: 'simple', nodes: 1, snapshot: 'booted' });
    expect(first.restoredFrom).toBeUndefined();
    await first.stop();
    const [snap] = listSnapshots();
    expect(snap.name).toBe('booted');
    corrupt(join(snap.dir, 'n100-1', 'state'));
    const second = await start({ profile: 'simple', nodes: 1, snapshot: 'booted' });
    expect(second.restoredFrom).toBeUndefined(); // fell back to a cold boot
    expect(second.bootMs).toBeGreaterThan(0);
    expect(await second.machines[0].succeed('hostname')).toBe('n100-1\n');
    const [fresh] = listSnapshots();
    expect(Date.parse(fresh.createdAt)).toBeGreaterThan(Date.parse(snap.createdAt)); // rebuilt, not the corrupt one
    await second.stop();
    const third = await start({ profile: 'simple', nodes: 1, snapshot: 'booted' });
    expect(third.restoredFrom?.name).toBe('booted');
    expect(JSON.parse(readFileSync(join(fresh.dir, 'meta.json'), 'utf8')).key).toBe(fresh.key);
  });
});

/** Overwrites 4 KiB in the middle of a file (same size: only the checksum can tell). */
function corrupt(path: string): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(statSync(path).size / 2));
  closeSync(fd);
}
