/**
 * k3s-network-constraints: the user's tc profiles on every node's cluster interface. For each profile, a watch
 * on the nodes' Ready conditions runs for the whole netem window (longer than the 40 s node-monitor grace
 * period) and any transition fails the test; DNS and the API answer inside the window.
 *
 * What crosses the constrained link: netem sits on the cluster interface, which carries the agents' and the
 * second server's kubelet heartbeats to the API, etcd's peer traffic and flannel. The watch itself reads the API
 * from the host over the untouched 127.0.0.1 forward: it observes the API's verdict on heartbeats that did cross
 * the constrained link, not the link directly.
 */
import { expect, it } from 'vitest';
import { netemProfiles, resolvedAddresses, watchNodeReady, NotYet, retryUntil } from '../harness/index.js';
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';

/** Longer than kube-controller-manager's node-monitor grace period (40 s): a missed heartbeat would show. */
const WINDOW_S = 50;
const budget = budgetFor('k3s-network-constraints', { servers: 2 });
const b = budget;

describeK3s('k3s-network-constraints', () => {
  const h = useK3s('vlans', { budget });

  it('forms', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: b.wait('forms', 'nodesReady'), signal });
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeout: b.wait('forms', 'coredns'), signal });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    await h.k3s.waitDaemonSetReady('default', 'netcheck', { timeout: b.wait('forms', 'daemonSet'), signal });
  }, b.vitestTimeout('forms'));

  for (const [name, spec] of Object.entries(netemProfiles)) {
    it(`${name}: no node leaves Ready during a ${WINDOW_S} s window (heartbeats over the constrained cluster link, watched from the host's API forward), the API answers and DNS resolves kubernetes.default to its ClusterIP`, async ({ signal }) => {
      const watch = await watchNodeReady(await h.k3s.kubeConfig(), signal);
      const iface = h.cluster.iface();
      const t0 = Date.now();
      await Promise.all(h.cluster.machines.map((m) => m.netem(iface, spec)));
      try {
        await h.k3s.waitReadyz({ timeout: b.wait('netem', 'readyz'), signal });
        const pod = (await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeout: b.wait('netem', 'podsReady'), signal }))[0].metadata!.name!;
        const want = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec!.clusterIP!;
        await retryUntil(async () => {
          const r = await h.k3s.apiServer.execute(`k3s kubectl exec ${pod} -- nslookup kubernetes.default.svc.cluster.local`, { timeout: 30 });
          const got = resolvedAddresses(r.stdout);
          if (!got.includes(want)) throw new NotYet(`nslookup resolved [${got.join(', ')}], not ${want} (exit ${r.status}): ${r.stdout.trim().slice(-200)}`);
        }, { timeout: b.wait('netem', 'dns'), what: `kubernetes.default resolved to ${want} under ${name}`, interval: 1, signal });
        console.log(`k3s-network-constraints: ${name}: API + DNS answered ${Date.now() - t0} ms into the window`);
        const left = WINDOW_S * 1000 - (Date.now() - t0);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      } finally {
        watch.stop();
        await Promise.all(h.cluster.machines.map((m) => m.clearNetem(iface)));
      }
      if (watch.errors.length) console.log(`k3s-network-constraints: ${name}: watch reconnected ${watch.errors.length}× (${watch.errors[0]})`);
      expect(watch.transitions, 'Ready transitions during the netem window').toEqual([]);
      expect([...watch.state.entries()].sort()).toEqual(h.k3s.nodes.map((n) => [n.name, 'True']));
    }, b.vitestTimeout('netem'));
  }
});
