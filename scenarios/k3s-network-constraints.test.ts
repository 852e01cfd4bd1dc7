/**
 * k3s-network-constraints: the user's tc profiles on every node's cluster interface. For each profile, a watch
 * on the nodes' Ready conditions runs for the whole netem window (longer than the 40 s node-monitor grace
 * period) and any transition fails the test; DNS and the API answer inside the window.
 */
import { expect, it } from 'vitest';
import { netemProfiles, watchNodeReady } from '../harness/index.js';
import { describeK3s, useK3s } from './lib/k3s.js';

/** Longer than kube-controller-manager's node-monitor grace period (40 s): a missed heartbeat would show. */
const WINDOW_S = 50;

describeK3s('k3s-network-constraints', () => {
  const h = useK3s('vlans');

  it('forms', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: 900, signal });
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeout: 600, signal });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    await h.k3s.waitDaemonSetReady('default', 'netcheck', { timeout: 600, signal });
  });

  for (const [name, spec] of Object.entries(netemProfiles)) {
    it(`${name}: no node leaves Ready during a ${WINDOW_S} s window (watched), DNS and the API stay responsive`, async ({ signal }) => {
      const watch = await watchNodeReady(await h.k3s.kubeConfig(), signal);
      const iface = h.cluster.iface();
      const t0 = Date.now();
      await Promise.all(h.cluster.machines.map((m) => m.netem(iface, spec)));
      try {
        expect(await h.k3s.get('/readyz', signal)).toEqual({ status: 200, body: 'ok' });
        const pod = (await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeout: 120, signal }))[0].metadata!.name!;
        expect(await h.k3s.kubectl(`exec ${pod} -- nslookup kubernetes.default.svc.cluster.local`)).toMatch(/Address/);
        console.log(`k3s-network-constraints: ${name}: API + DNS answered ${Date.now() - t0} ms into the window`);
        const left = WINDOW_S * 1000 - (Date.now() - t0);
        if (left > 0) await h.m('n100-1').sleep(left / 1000);
      } finally {
        watch.stop();
        await Promise.all(h.cluster.machines.map((m) => m.clearNetem(iface)));
      }
      if (watch.errors.length) console.log(`k3s-network-constraints: ${name}: watch reconnected ${watch.errors.length}× (${watch.errors[0]})`);
      expect(watch.transitions, 'Ready transitions during the netem window').toEqual([]);
      expect([...watch.state.entries()].sort()).toEqual(h.k3s.nodes.map((n) => [n.name, 'True']));
    });
  }
});
