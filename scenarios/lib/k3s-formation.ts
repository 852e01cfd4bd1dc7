/** The formation checks shared by k3s-simple, k3s-vlans and k3s-bonding-vlans (the user's k3s-cluster-* tests). */
import { expect, it } from 'vitest';
import type { K3sHandle } from './k3s.js';

export function formationTests(h: K3sHandle): void {
  it('all three nodes register and become Ready', async () => {
    const nodes = await h.k3s.waitNodesReady(900);
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2', 'n100-3']);
  });

  it('INTERNAL-IP of every node is its address on the cluster network', async () => {
    const nodes = await h.k3s.waitNodesReady(60);
    for (const n of nodes) {
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      expect(ip).toBe(h.cluster.address(n.metadata!.name!));
    }
  });

  it('two control-plane members in embedded etcd, API healthy', async () => {
    expect(await h.k3s.kubectl('get --raw /readyz')).toBe('ok');
    expect(await h.k3s.kubectl('get --raw /healthz/etcd')).toBe('ok');
    const cp = await h.k3s.kubectl("get nodes -l node-role.kubernetes.io/control-plane=true -o jsonpath='{.items[*].metadata.name}'");
    expect(cp.split(' ').sort()).toEqual(['n100-1', 'n100-2']);
  });

  it('CoreDNS and local-path-provisioner are Running', async () => {
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeoutS: 600 });
    await h.k3s.waitPodsReady('kube-system', 'app=local-path-provisioner', { timeoutS: 600 });
  });

  it('a workload deploys and answers through its Service from every node', async () => {
    await h.k3s.apply('k3s/web.yaml');
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeoutS: 600 });
    const ip = (await h.k3s.kubectl("get svc web -o jsonpath='{.spec.clusterIP}'")).trim();
    for (const m of h.cluster.machines) expect(await m.waitUntilSucceeds(`busybox wget -q -T 5 -O - http://${ip}/`, { timeout: 120 })).toBe('n3x-web-ok\n');
  });
}
