/** k3s-storage: Longhorn prerequisites, local-path PVC data kept across pod restart, StatefulSet over 3 nodes. */
import { expect, it } from 'vitest';
import { NotYet, retryUntil } from '../harness/index.js';
import { describeK3s, useK3s } from './lib/k3s.js';

describeK3s('k3s-storage', () => {
  const h = useK3s('vlans');

  it('Longhorn prerequisites on every node: iscsid, kernel modules, directories', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: 900, signal });
    for (const m of h.cluster.machines) {
      await m.succeed(`echo InitiatorName=iqn.2026-11.dev.n3x:${m.name} > /etc/iscsi/initiatorname.iscsi`, 'systemctl start iscsid.service');
      await m.waitForUnit('iscsid.service', { timeout: 60 });
      await m.succeed('modprobe iscsi_tcp', 'modprobe dm_crypt', 'mkdir -p /var/lib/longhorn');
      expect(await m.succeed('lsmod')).toMatch(/^iscsi_tcp /m);
      await m.succeed('command -v iscsiadm', 'command -v cryptsetup', 'command -v mount.nfs');
    }
  });

  it('a local-path PVC binds; data written from a pod is read back, also after the pod is recreated', async ({ signal }) => {
    const core = await h.k3s.core();
    await h.k3s.apply('k3s/pvc-pod.yaml');
    await h.k3s.waitPodsReady('default', 'app=writer', { timeout: 600, signal });
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'data' })).status?.phase).toBe('Bound');
    await h.k3s.kubectl("exec writer -- sh -c 'echo persisted-by-n3x > /data/f && sync'");
    expect(await h.k3s.kubectl('exec writer -- cat /data/f')).toBe('persisted-by-n3x\n');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'writer' });
    await retryUntil(async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=writer' });
      if (pods.items.length) throw new NotYet('pod writer still there');
    }, { timeout: 120, what: 'pod writer deleted', interval: 1, signal });
    await h.k3s.apply('k3s/pvc-pod.yaml');
    await h.k3s.waitPodsReady('default', 'app=writer', { timeout: 600, signal });
    expect(await h.k3s.kubectl('exec writer -- cat /data/f')).toBe('persisted-by-n3x\n');
  });

  it('a StatefulSet with volumeClaimTemplates runs one replica per node, each with its own bound volume', async ({ signal }) => {
    await h.k3s.apply('k3s/statefulset.yaml');
    await h.k3s.waitStatefulSetReady('default', 'stash', { timeout: 900, signal });
    const pods = await h.k3s.waitPodsReady('default', 'app=stash', { min: 3, timeout: 60, signal });
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);
    const pvcs = await h.k3s.waitPvcsBound('default', 'app=stash', { min: 3, timeout: 120, signal });
    expect(pvcs.map((p) => p.status?.phase)).toEqual(['Bound', 'Bound', 'Bound']);
    for (const i of [0, 1, 2]) expect(await h.k3s.kubectl(`exec stash-${i} -- cat /data/owner`)).toBe(`stash-${i}\n`);
  });
});
