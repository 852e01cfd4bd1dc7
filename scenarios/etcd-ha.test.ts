/**
 * etcd HA (the datastore k3s HA embeds) on 3 members over VLAN 200: formation, replication, leader crash and
 * re-election, rejoin and catch-up, minority partition, heal. Runs on the vlans and bonding-vlans profiles
 * (N3X_ETCD_PROFILES=vlans to run one).
 */
import { describe, expect, it } from 'vitest';
import { profileName } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';
import { ETCD_UNITS, etcdctl, getLocal, leader, put, restartEtcd, startEtcd, status } from './lib/etcd.js';

const profiles = (process.env.N3X_ETCD_PROFILES ?? 'vlans,bonding-vlans').split(',').map(profileName);

describe.each(profiles)('etcd-ha on %s', (profile) => {
  describe.sequential('3 members', () => {
    const h = useCluster({ profile, nodes: 3, units: ETCD_UNITS, snapshot: 'booted' });

    it('forms: every member healthy, three members, one agreed leader', async () => {
      await startEtcd(h.cluster);
      const members = await h.m('n100-1').succeed(etcdctl('member list'));
      expect(members.trim().split('\n')).toHaveLength(3);
      for (const m of h.cluster.machines) expect(members).toContain(`http://${h.cluster.address(m.name)}:2380`);
      const l = await leader(h.cluster, h.cluster.machines);
      console.log(`etcd-ha/${profile}: leader ${l.machine.name}, term ${l.status.raftTerm}`);
    });

    it('replicates: a write on one member is read locally on every other', async () => {
      expect((await put(h.m('n100-1'), 'greeting', 'hello')).status).toBe(0);
      for (const m of h.cluster.machines) await m.waitUntilSucceeds(`test "$(${etcdctl('get greeting --print-value-only --consistency=s')})" = hello`, { timeout: 30 });
    });

    it('leader crash: a new leader is elected within the bound, writes continue, the old leader rejoins and catches up', async () => {
      const before = await leader(h.cluster, h.cluster.machines);
      const survivors = h.cluster.machines.filter((m) => m !== before.machine);
      const t0 = Date.now();
      await before.machine.crash();
      const after = await leader(h.cluster, survivors, 60, { afterTerm: before.status.raftTerm });
      const electionMs = Date.now() - t0;
      console.log(`etcd-ha/${profile}: leader ${before.machine.name} (term ${before.status.raftTerm}) crashed → ${after.machine.name} leads (term ${after.status.raftTerm}) after ${electionMs} ms`);
      expect(after.machine).not.toBe(before.machine);
      expect(after.status.raftTerm).toBeGreaterThan(before.status.raftTerm);
      expect(electionMs).toBeLessThan(30_000); // election timeout is 2 s; the bound allows TCG load
      expect((await put(survivors[0], 'during-outage', 'v1', 10)).status).toBe(0);

      await before.machine.start();
      await restartEtcd(before.machine);
      await before.machine.waitUntilSucceeds(`test "$(${etcdctl('get during-outage --print-value-only --consistency=s')})" = v1`, { timeout: 60 });
      expect(await getLocal(before.machine, 'greeting')).toBe('hello');
      const rejoined = await status(before.machine);
      expect(rejoined.leaderId).toBe(after.status.memberId);
    });

    it('partition: the minority cannot write, the majority can; heal makes every member consistent', async () => {
      const l = await leader(h.cluster, h.cluster.machines);
      const minority = l.machine; // isolating the leader forces the majority to elect a new one
      const majority = h.cluster.machines.filter((m) => m !== minority);
      await h.cluster.partition([minority.name], majority.map((m) => m.name));
      const w = await put(minority, 'split', 'minority', 3);
      expect(w.status).not.toBe(0);
      const newLeader = await leader(h.cluster, majority, 60, { afterTerm: l.status.raftTerm });
      expect(newLeader.machine).not.toBe(minority);
      expect((await put(majority[0], 'split', 'majority', 10)).status).toBe(0);
      expect(await getLocal(minority, 'split')).not.toBe('majority');
      await h.cluster.heal();
      for (const m of h.cluster.machines) await m.waitUntilSucceeds(`test "$(${etcdctl('get split --print-value-only --consistency=s')})" = majority`, { timeout: 60 });
      const views = await Promise.all(h.cluster.machines.map((m) => status(m)));
      expect(new Set(views.map((v) => v.leaderId)).size).toBe(1);
      expect(new Set(views.map((v) => v.revision)).size).toBe(1);
    });
  });
});
