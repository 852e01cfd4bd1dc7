/** The formation checks shared by k3s-simple, k3s-vlans and k3s-bonding-vlans (the user's k3s-cluster-* tests). */
import { expect, it } from 'vitest';
import { k3sTables, recordK3s } from '../../harness/index.js';
import type { K3sHandle } from './k3s.js';

export function formationTests(h: K3sHandle): void {
  it('all three nodes register and become Ready', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: 900, signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2', 'n100-3']);
  });

  it('INTERNAL-IP of every node is its address on the cluster network', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: 60, signal });
    for (const n of nodes) {
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      expect(ip).toBe(h.cluster.address(n.metadata!.name!));
    }
  });

  it('two control-plane members in embedded etcd, API healthy', async ({ signal }) => {
    expect(await h.k3s.get('/readyz', signal)).toEqual({ status: 200, body: 'ok' });
    expect(await h.k3s.get('/healthz/etcd', signal)).toEqual({ status: 200, body: 'ok' });
    const cp = await (await h.k3s.core()).listNode({ labelSelector: 'node-role.kubernetes.io/control-plane=true' });
    expect(cp.items.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2']);
  });

  it('CoreDNS and local-path-provisioner are Running', async ({ signal }) => {
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeout: 600, signal });
    await h.k3s.waitPodsReady('kube-system', 'app=local-path-provisioner', { timeout: 600, signal });
    // Node and pod tables, as the API reported them, for the run report.
    const api = await h.k3s.core();
    recordK3s(h.cluster, k3sTables(await api.listNode(), await api.listPodForAllNamespaces()));
  });

  it('a workload deploys and answers through its Service from every node', async ({ signal }) => {
    await h.k3s.apply('k3s/web.yaml');
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: 600, signal });
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    for (const m of h.cluster.machines) expect(await m.waitUntilSucceeds(`wget -q -T 5 -O - http://${ip}/`, { timeout: 120 })).toBe('n3x-web-ok\n');
  });
}
