/** k3s-storage: Longhorn's host prerequisites can be met, local-path PVC data kept across pod restart, StatefulSet over 3 nodes. */
import { expect, it } from 'vitest';
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';
import { NotYet, retryUntil } from '../harness/index.js';

const budget = budgetFor('k3s-storage', { servers: 2 });
const b = budget;

describeK3s('k3s-storage', () => {
  const h = useK3s('vlans', { budget });

  // The image ships the tools; this test sets up what Longhorn's installer would (an initiator name, iscsid,
  // modules, its data directory) and checks that each piece then works — it does not claim they were there before.
  it('Longhorn host prerequisites can be set up on every node: iscsid runs with an initiator name, iscsi_tcp and dm_crypt load, iscsiadm, cryptsetup and mount.nfs are installed', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: b.wait('prerequisites', 'nodesReady'), signal });
    for (const m of h.cluster.machines) {
      await m.succeed('command -v iscsiadm', 'command -v cryptsetup', 'command -v mount.nfs');
      await m.succeed(`echo InitiatorName=iqn.2026-11.dev.n3x:${m.name} > /etc/iscsi/initiatorname.iscsi`, 'systemctl start iscsid.service');
      await m.waitForUnit('iscsid.service', { timeout: b.wait('prerequisites', 'iscsid') });
      await m.succeed('modprobe iscsi_tcp', 'modprobe dm_crypt', 'mkdir -p /var/lib/longhorn');
      expect(await m.succeed('lsmod')).toMatch(/^iscsi_tcp /m);
      expect(await m.succeed('lsmod')).toMatch(/^dm_crypt /m);
    }
  }, b.vitestTimeout('prerequisites'));

  it('a local-path PVC binds; data written from a pod is read back, also after the pod is recreated', async ({ signal }) => {
    const core = await h.k3s.core();
    const exec = b.wait('localPath', 'exec');
    await h.k3s.apply('k3s/pvc-pod.yaml');
    await h.k3s.waitPodsReady('default', 'app=writer', { timeout: b.wait('localPath', 'podsReady'), signal });
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'data' })).status?.phase).toBe('Bound');
    await h.k3s.kubectl("exec writer -- sh -c 'echo persisted-by-n3x > /data/f && sync'", { timeout: exec });
    expect(await h.k3s.kubectl('exec writer -- cat /data/f', { timeout: exec })).toBe('persisted-by-n3x\n');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'writer' });
    await retryUntil(async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=writer' });
      if (pods.items.length) throw new NotYet('pod writer still there');
    }, { timeout: b.wait('localPath', 'deleted'), what: 'pod writer deleted', interval: 1, signal });
    await h.k3s.apply('k3s/pvc-pod.yaml');
    await h.k3s.waitPodsReady('default', 'app=writer', { timeout: b.wait('localPath', 'podsReadyAgain'), signal });
    expect(await h.k3s.kubectl('exec writer -- cat /data/f', { timeout: exec })).toBe('persisted-by-n3x\n');
  }, b.vitestTimeout('localPath'));

  it('a StatefulSet with volumeClaimTemplates runs one replica per node, each with its own bound volume', async ({ signal }) => {
    await h.k3s.apply('k3s/statefulset.yaml');
    await h.k3s.waitStatefulSetReady('default', 'stash', { timeout: b.wait('statefulSet', 'ready'), signal });
    const pods = await h.k3s.waitPodsReady('default', 'app=stash', { min: 3, timeout: b.wait('statefulSet', 'podsReady'), signal });
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);
    const pvcs = await h.k3s.waitPvcsBound('default', 'app=stash', { min: 3, timeout: b.wait('statefulSet', 'pvcs'), signal });
    expect(pvcs.map((p) => p.status?.phase)).toEqual(['Bound', 'Bound', 'Bound']);
    for (const i of [0, 1, 2]) expect(await h.k3s.kubectl(`exec stash-${i} -- cat /data/owner`, { timeout: b.wait('statefulSet', 'exec') })).toBe(`stash-${i}\n`);
  }, b.vitestTimeout('statefulSet'));
});
