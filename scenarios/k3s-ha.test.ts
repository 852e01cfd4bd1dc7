/**
 * k3s-ha: 3 servers (embedded etcd, odd quorum) + 1 agent on the vlans profile, joined through the registration
 * VIP keepalived holds. A server crashes: the API stays available, the node goes NotReady, its pods are replaced,
 * it comes back Ready after start(). Then the first server is lost: the VIP moves, the host's client fails over
 * to a live server, and the cluster keeps answering and scheduling. (Two servers, as in the six other k3s
 * files, do not survive the loss of one: etcd needs a majority of 2 of 2.)
 */
import { expect, it } from 'vitest';
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';
import { registrationAddress } from '../harness/index.js';

const budget = budgetFor('k3s-ha', { servers: 3 });
const b = budget;

describeK3s('k3s-ha', () => {
  const h = useK3s('vlans', { roles: ['server', 'server', 'server', 'agent'], budget });
  const webAnswers = async (timeout: number) => {
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    expect(await h.m('n100-4').waitUntilSucceeds(`wget -q -T 5 -O - http://${ip}/`, { timeout })).toBe('n3x-web-ok\n');
  };

  it('four nodes Ready, three in the control plane, a workload running', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('form', 'nodesReady'), signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['n100-1', 'n100-2', 'n100-3', 'n100-4']);
    const cp = await (await h.k3s.core()).listNode({ labelSelector: 'node-role.kubernetes.io/control-plane=true' });
    expect(cp.items).toHaveLength(3);
    await h.k3s.apply('k3s/web.yaml');
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: b.wait('form', 'webReady'), signal });
  }, b.vitestTimeout('form'));

  it('a crashed server: the API answers, the node goes NotReady, its pods are replaced, the Service answers', async ({ signal }) => {
    await h.m('n100-2').crash();
    // etcd keeps quorum (2 of 3), but a crashed leader means an election first: /readyz with a bounded retry.
    await h.k3s.waitReadyz({ timeout: b.wait('crash', 'readyz'), signal });
    await h.k3s.waitNodeNotReady('n100-2', { timeout: b.wait('crash', 'notReady'), signal });
    // PodReady on a Ready node, terminating pods left out: a pod stranded on n100-2 does not count.
    const pods = await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: b.wait('crash', 'podsReady'), signal });
    expect(pods.map((p) => p.spec?.nodeName)).not.toContain('n100-2');
    await webAnswers(b.wait('crash', 'service'));
  }, b.vitestTimeout('crash'));

  it('every server serves the API through its own forward (n100-1 and n100-3 while n100-2 is down)', async ({ signal }) => {
    for (const s of ['n100-1', 'n100-3']) expect(await h.k3s.getFrom(s, '/readyz', AbortSignal.any([signal, AbortSignal.timeout(b.wait('others', 'readyz') * 1000)]))).toEqual({ status: 200, body: 'ok' });
  }, b.vitestTimeout('others'));

  it('after start(), the crashed server is Ready again and the workload is ready on Ready nodes', async ({ signal }) => {
    await h.m('n100-2').start();
    await h.m('n100-2').waitForUnit('k3s.service', { timeout: b.wait('restart', 'unit') });
    await h.k3s.waitNodesReady({ timeout: b.wait('restart', 'nodesReady'), signal });
    await h.k3s.waitPodsReady('default', 'app=web', { min: 2, timeout: b.wait('restart', 'podsReady'), signal });
  }, b.vitestTimeout('restart'));

  it('losing the first server: the VIP moves to a live server, the host client fails over, the cluster answers and schedules', async ({ signal }) => {
    await h.m('n100-1').crash();
    const vip = registrationAddress(h.cluster.profile);
    const within = b.wait('loseFirst', 'vip');
    const holders = await Promise.all(['n100-2', 'n100-3'].map(async (s) => (await h.m(s).execute(`for i in $(seq ${within - 10}); do ip -4 -o addr show | grep -qw ${vip} && exit 0; sleep 1; done; exit 1`, { timeout: within })).status === 0));
    expect(holders.filter(Boolean), `servers holding the VIP ${vip} after n100-1 is lost`).toHaveLength(1);
    await h.k3s.waitReadyz({ timeout: b.wait('loseFirst', 'readyz'), signal });
    expect(h.k3s.apiServer.name).not.toBe('n100-1');
    await h.k3s.waitNodeNotReady('n100-1', { timeout: b.wait('loseFirst', 'notReady'), signal });
    await h.k3s.kubectl('scale deployment web --replicas=3', { timeout: b.wait('loseFirst', 'scale') });
    const pods = await h.k3s.waitPodsReady('default', 'app=web', { min: 3, timeout: b.wait('loseFirst', 'schedule'), signal });
    expect(pods.map((p) => p.spec?.nodeName)).not.toContain('n100-1');
  }, b.vitestTimeout('loseFirst'));
});
