/**
 * k3s-longhorn: the user's storage. Longhorn with its storage network on the storage VLAN (Multus macvlan on the
 * VLAN 100 link, whereabouts addresses), a volume with 3 replicas, data written from a pod, and the volume keeps
 * serving that data when a node holding a replica is lost. Needs k3s with its airgap images and the Longhorn
 * bundle (harness/k3s/longhorn.ts); without the bundle it is skipped with the fix in its title
 * (N3X_REQUIRE_LONGHORN=1 makes that a failure).
 */
import { describe, expect, it } from 'vitest';
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';
import { longhornBundle, storageNetworkNad, NotYet, retryUntil } from '../harness/index.js';

const bundle = longhornBundle();
const budget = budgetFor('k3s-longhorn', { servers: 2 });
const b = budget;
const GUEST_DIR = '/root/longhorn';

const body = () => {
  const h = useK3s('vlans', { budget, extraImages: [bundle.images!] });
  const kubectl = (args: string, timeout = b.wait('install', 'kubectl')) => h.k3s.kubectl(args, { timeout });
  const volumeJson = async () => JSON.parse(await kubectl('-n longhorn-system get volumes.longhorn.io -o json')).items as { metadata: { name: string }; status?: { robustness?: string; state?: string } }[];

  it('Multus, whereabouts and Longhorn run; the storage network is the storage VLAN', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: b.wait('install', 'nodesReady'), signal });
    const m = h.k3s.apiServer;
    for (const f of ['multus.yaml', 'whereabouts.yaml', 'longhorn.yaml']) await m.copyFromHost(`${bundle.dir}/${f}`, `${GUEST_DIR}/${f}`);
    await m.succeed(`cat > ${GUEST_DIR}/nad.yaml <<'EOF'\n${storageNetworkNad({ iface: h.cluster.iface('storage'), prefix: h.cluster.profile.networks.storage!.prefix })}EOF`);
    await kubectl(`apply -f ${GUEST_DIR}/multus.yaml -f ${GUEST_DIR}/whereabouts.yaml`);
    await kubectl(`apply -f ${GUEST_DIR}/longhorn.yaml`);
    await h.k3s.waitPodsReady('longhorn-system', 'app=longhorn-manager', { min: 3, timeout: b.wait('install', 'manager'), signal });
    await kubectl(`apply -f ${GUEST_DIR}/nad.yaml`);
    await kubectl(`-n longhorn-system patch settings.longhorn.io storage-network --type merge -p '{"value":"kube-system/longhorn-storage"}'`);
    await h.k3s.waitPodsReady('longhorn-system', 'app=longhorn-csi-plugin', { min: 3, timeout: b.wait('install', 'driver'), signal });
    const im = await h.k3s.waitPodsReady('longhorn-system', 'longhorn.io/component=instance-manager', { min: 3, timeout: b.wait('install', 'driver'), signal });
    const nets = im.map((p) => p.metadata?.annotations?.['k8s.v1.cni.cncf.io/network-status'] ?? '');
    for (const n of nets) expect(n).toContain(`${h.cluster.profile.networks.storage!.prefix}.`);
  }, b.vitestTimeout('install'));

  it('a 3-replica volume binds and holds data written from a pod', async ({ signal }) => {
    const m = h.k3s.apiServer;
    await m.succeed(`cat > ${GUEST_DIR}/volume.yaml <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: longhorn-3 }
provisioner: driver.longhorn.io
parameters: { numberOfReplicas: "3", staleReplicaTimeout: "30" }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: lh-data, namespace: default }
spec: { accessModes: [ReadWriteOnce], storageClassName: longhorn-3, resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: lh-writer, namespace: default, labels: { app: lh-writer } }
spec:
  nodeName: n100-1
  containers:
    - { name: box, image: rancher/mirrored-library-busybox:1.36.1, command: [sh, -c, "exec sleep 86400"], volumeMounts: [{ name: d, mountPath: /data }] }
  volumes: [{ name: d, persistentVolumeClaim: { claimName: lh-data } }]
EOF`);
    await kubectl(`apply -f ${GUEST_DIR}/volume.yaml`);
    await h.k3s.waitPvcsBound('default', undefined, { timeout: b.wait('volume', 'bound'), signal });
    await h.k3s.waitPodsReady('default', 'app=lh-writer', { timeout: b.wait('volume', 'podsReady'), signal });
    await kubectl("exec lh-writer -- sh -c 'echo kept-by-longhorn > /data/f && sync'", b.wait('volume', 'exec'));
    expect(await kubectl('exec lh-writer -- cat /data/f', b.wait('volume', 'exec'))).toBe('kept-by-longhorn\n');
  }, b.vitestTimeout('volume'));

  it('losing a node that holds a replica: the volume is degraded, not faulted, and the data is still read', async ({ signal }) => {
    await h.m('n100-3').crash();
    await h.k3s.waitNodeNotReady('n100-3', { timeout: b.wait('nodeLoss', 'notReady'), signal });
    await retryUntil(async () => {
      const v = await volumeJson();
      const r = v.map((x) => x.status?.robustness);
      if (!r.length || r.some((x) => x !== 'degraded' && x !== 'healthy')) throw new NotYet(`volume robustness: ${r.join(', ')}`);
    }, { timeout: b.wait('nodeLoss', 'podsReady'), what: 'the Longhorn volume degraded or healthy after the node loss', interval: 5, signal });
    expect(await kubectl('exec lh-writer -- cat /data/f', b.wait('nodeLoss', 'exec'))).toBe('kept-by-longhorn\n');
  }, b.vitestTimeout('nodeLoss'));
};

if (bundle.available) describeK3s('k3s-longhorn', body);
else if (process.env.N3X_REQUIRE_LONGHORN === '1') describe('k3s-longhorn', () => it(`Longhorn is required here — ${bundle.reason}`, () => { throw new Error(bundle.reason); }));
else describe.skip(`k3s-longhorn — skipped: ${bundle.reason}`, () => it('needs k3s, its airgap images and the Longhorn bundle', () => undefined));
