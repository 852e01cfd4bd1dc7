/**
 * k3s-ha: 3 servers (embedded etcd, odd quorum) + 1 agent on the vlans profile. A server crashes: the API stays
 * available through another server, the node goes NotReady, comes back Ready after start(), and workloads keep
 * running throughout. (Two servers, as in the six other k3s files, do not survive the loss of one: etcd needs
 * a majority of 2 of 2.)
 */
import { expect, it } from 'vitest';
import { K3S_API_PORT } from '../harness/index.js';
import { describeK3s, useK3s } from './lib/k3s.js';

describeK3s('k3s-ha', () => {
  const h = useK3s('vlans', { roles: ['server', 'server', 'server', 'agent'] });

  it('four nodes Ready, three in the control plane, a workload running', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: 1200, signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2', 'n100-3', 'n100-4']);
    const cp = await (await h.k3s.core()).listNode({ labelSelector: 'node-role.kubernetes.io/control-plane=true' });
    expect(cp.items).toHaveLength(3);
    await h.k3s.apply('k3s/web.yaml');
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: 600, signal });
  });

  it('a crashed server: the API answers through another server, the node goes NotReady, workloads keep running', async ({ signal }) => {
    const victim = h.m('n100-2');
    await victim.crash();
    // The first server's forward still answers: its etcd keeps quorum (2 of 3).
    expect(await h.k3s.get('/readyz', signal)).toEqual({ status: 200, body: 'ok' });
    await h.k3s.waitNodeNotReady('n100-2', { timeout: 180, signal });
    await h.k3s.waitPodsReady('default', 'app=web', { min: 1, timeout: 300, signal });
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    expect(await h.m('n100-4').waitUntilSucceeds(`wget -q -T 5 -O - http://${ip}/`, { timeout: 120 })).toBe('n3x-web-ok\n');
  });

  it('the API is also served by the third server (its own kubeconfig, reached from the first server)', async () => {
    // n100-3's apiserver answers with the same CA; kubectl on n100-1 pointed at it shows the cluster.
    const out = await h.m('n100-1').succeed(`k3s kubectl --server https://${h.cluster.address('n100-3')}:${K3S_API_PORT} get --raw /readyz`);
    expect(out).toBe('ok');
  });

  it('after start(), the crashed server is Ready again and the workload still answers', async ({ signal }) => {
    await h.m('n100-2').start();
    await h.m('n100-2').waitForUnit('k3s.service', { timeout: 600 });
    await h.k3s.waitNodesReady({ timeout: 900, signal });
    const pods = await (await h.k3s.core()).listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    expect(pods.items.filter((p) => p.status?.phase === 'Running').length).toBeGreaterThanOrEqual(2);
  });
});
