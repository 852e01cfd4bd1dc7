/**
 * etcd (3 members, vlans) under a seeded nemesis, with three register clients (one per member, etcdctl in the
 * guest); the client-visible history is checked for linearizability key by key. Then a client that reads
 * serializably from a member cut off into a minority, while writes go through the majority, is caught by the
 * checker: its stale reads are certain by construction, not by luck.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, describeOp, type Op, runNemesis, describeFault } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';
import { ETCD_FORMED, ETCD_UNITS, leader, restartEtcd, waitHealthy } from './lib/etcd.js';
import { readOp, registerWorkload, writeOp, type RegisterClient } from './lib/register.js';

const SEED = 20261203;
const KEYS = ['r0', 'r1', 'r2'];

describe.sequential('nemesis: etcd register history under seeded faults', () => {
  const h = useCluster({ profile: 'vlans', nodes: 3, units: ETCD_UNITS, snapshot: ETCD_FORMED });

  it(`a seeded schedule (seed ${SEED}) of partitions, crashes, link cuts and netem: the history of 3 clients is linearizable`, async () => {
    await Promise.all(h.cluster.machines.map((m) => waitHealthy(m)));
    const clients: RegisterClient[] = h.cluster.machines.map((m, id) => ({ id, machine: m, reads: 'l' }));
    for (const k of KEYS) expect((await writeOp(clients[0], k, 'init')).outcome).toBe('ok');
    const [nemesis, history] = await Promise.all([
      runNemesis(h.cluster, { seed: SEED, duration: 60, interval: 8, faults: ['partition-halves', 'partition-lone', 'partition-bridge', 'crash', 'link-cut', 'netem'], afterRestart: restartEtcd }),
      registerWorkload(clients, KEYS, { seconds: 60, seed: SEED }),
    ]);
    const r = checkHistory(history, { initial: 'init' });
    const count = (o: Op['outcome']) => history.filter((x) => x.outcome === o).length;
    console.log(`nemesis-etcd: seed ${nemesis.seed}; faults: ${nemesis.schedule.map(describeFault).join('; ')}`);
    console.log(`nemesis-etcd: ${history.length} operations (${count('ok')} ok, ${count('fail')} fail, ${count('unknown')} unknown); ${r.keys.map((k) => `${k.key}: ${k.verdict} (${k.ops} ops, ${k.configs} configurations)`).join(', ')}`);
    expect(nemesis.schedule.length).toBeGreaterThan(2);
    expect(count('ok')).toBeGreaterThan(30);
    expect(r.verdict, r.keys.flatMap((k) => k.prefix?.map((x) => describeOp(x, history[0].invokedMs)) ?? []).join('\n')).toBe('linearizable');
  });

  it('serializable reads from a member partitioned into a minority, writes through the majority: the checker finds the stale read', async () => {
    await Promise.all(h.cluster.machines.map((m) => waitHealthy(m)));
    // The writer is the leader and the member cut off a follower, so the majority keeps its leader and every write
    // commits without an election (cutting the leader off made a write wait out an election and time out in CI).
    const { machine: w } = await leader(h.cluster, h.cluster.machines);
    const cut = h.cluster.machines.find((m) => m !== w)!;
    const writer: RegisterClient = { id: 0, machine: w, reads: 'l', timeout: 10 };
    const reader: RegisterClient = { id: 1, machine: cut, reads: 's' };
    const history: Op[] = [await writeOp(writer, 'stale', 'v0')];
    await cut.waitUntilSucceeds("test \"$(ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 get stale --print-value-only --consistency=s)\" = v0", { timeout: 30 });
    history.push(await readOp(reader, 'stale'));
    await h.cluster.partition([cut.name], h.cluster.machines.filter((m) => m !== cut).map((m) => m.name));
    try {
      for (let i = 1; i <= 3; i++) {
        history.push(await writeOp(writer, 'stale', `v${i}`)); // completes on the majority…
        history.push(await readOp(reader, 'stale')); // …and then the minority member still answers v0
      }
    } finally {
      await h.cluster.heal();
    }
    expect(history.filter((x) => x.kind === 'write').map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const r = checkHistory(history);
    console.log(`nemesis-etcd: broken client: ${r.verdict}; shortest non-linearizable prefix:\n${r.keys[0].prefix?.map((x) => `  ${describeOp(x, history[0].invokedMs)}`).join('\n')}`);
    expect(r.verdict).toBe('not linearizable');
    // The prefix ends at the first stale read's completion: the last operation completed in it is that read (a write
    // invoked in the same millisecond may be in it too, as pending).
    expect(r.keys[0].prefix?.filter((x) => x.outcome === 'ok').at(-1)).toMatchObject({ kind: 'read', client: 1, result: 'v0' });
  });
});
