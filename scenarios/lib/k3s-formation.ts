/** The formation checks shared by k3s-simple, k3s-vlans and k3s-bonding-vlans (the user's k3s-cluster-* tests). */
import { expect, it } from 'vitest';
import type { K3sHandle } from './k3s.js';
import { expectFullFramesBetweenNodes, fullPayload, VXLAN_OVERHEAD } from './k3s-frames.js';
import { type K3sBudget, k3sTables, recordK3s } from '../../harness/index.js';

export function formationTests(h: K3sHandle, b: K3sBudget): void {
  it('all three nodes register and become Ready', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('ready', 'nodesReady'), signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2', 'n100-3']);
  }, b.vitestTimeout('ready'));

  it('INTERNAL-IP of every node is its address on the cluster network', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('addresses', 'nodesReady'), signal });
    for (const n of nodes) {
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      expect(ip).toBe(h.cluster.address(n.metadata!.name!));
    }
  }, b.vitestTimeout('addresses'));

  it('two control-plane members in embedded etcd, API healthy', async ({ signal }) => {
    await h.k3s.waitReadyz({ timeout: b.wait('etcd', 'readyz'), signal });
    expect(await h.k3s.get('/healthz/etcd', signal)).toEqual({ status: 200, body: 'ok' });
    const cp = await (await h.k3s.core()).listNode({ labelSelector: 'node-role.kubernetes.io/control-plane=true' });
    expect(cp.items.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2']);
  }, b.vitestTimeout('etcd'));

  it('CoreDNS and local-path-provisioner are Running', async ({ signal }) => {
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeout: b.wait('system', 'coredns'), signal });
    await h.k3s.waitPodsReady('kube-system', 'app=local-path-provisioner', { timeout: b.wait('system', 'localPath'), signal });
    // Node and pod tables, as the API reported them, for the run report.
    const api = await h.k3s.core();
    recordK3s(h.cluster, k3sTables(await api.listNode(), await api.listPodForAllNamespaces()));
  }, b.vitestTimeout('system'));

  it('full-size frames: 1500-byte packets with DF between nodes on every network, and flannel VXLAN MTU (1500 − 50) pod to pod across nodes', async ({ signal }) => {
    await expectFullFramesBetweenNodes(h.cluster, { timeout: b.wait('frames', 'trunkPing') });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    const pods = await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeout: b.wait('frames', 'podsReady'), signal });
    const vxlanMtu = 1500 - VXLAN_OVERHEAD;
    for (const m of h.cluster.machines) expect((await m.succeed('cat /sys/class/net/flannel.1/mtu')).trim(), `${m.name} flannel.1 MTU`).toBe(String(vxlanMtu));
    const exec = b.wait('frames', 'podPing');
    for (const a of pods) {
      expect((await h.k3s.kubectl(`exec ${a.metadata!.name} -- cat /sys/class/net/eth0/mtu`, { timeout: exec })).trim()).toBe(String(vxlanMtu));
      const b2 = pods.find((p) => p.spec?.nodeName !== a.spec?.nodeName)!;
      // node → pod on another node with DF (iputils), pod → pod on another node at the pod MTU (busybox)
      await h.m(a.spec!.nodeName!).waitUntilSucceeds(`ping -n -c1 -W3 -M do -s ${fullPayload(vxlanMtu)} ${b2.status!.podIP}`, { timeout: exec });
      await h.k3s.kubectl(`exec ${a.metadata!.name} -- ping -c1 -W3 -s ${fullPayload(vxlanMtu)} ${b2.status!.podIP}`, { timeout: exec });
    }
  }, b.vitestTimeout('frames'));

  it('a workload deploys and answers through its Service from every node', async ({ signal }) => {
    await h.k3s.apply('k3s/web.yaml');
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: b.wait('workload', 'webReady'), signal });
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    for (const m of h.cluster.machines) expect(await m.waitUntilSucceeds(`wget -q -T 5 -O - http://${ip}/`, { timeout: b.wait('workload', 'service') })).toBe('n3x-web-ok\n');
  }, b.vitestTimeout('workload'));
}
