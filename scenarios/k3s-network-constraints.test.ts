/** k3s-network-constraints: the user's tc profiles on every node's cluster interface; nodes stay Ready, DNS and API respond. */
import { expect, it } from 'vitest';
import { netemProfiles } from '../harness/index.js';
import { describeK3s, useK3s } from './lib/k3s.js';

describeK3s('k3s-network-constraints', () => {
  const h = useK3s('vlans');

  it('forms', async () => {
    await h.k3s.waitNodesReady(900);
    await h.k3s.waitPodsReady('kube-system', 'k8s-app=kube-dns', { timeoutS: 600 });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeoutS: 600 });
  });

  for (const [name, spec] of Object.entries(netemProfiles)) {
    it(`${name}: nodes stay Ready, DNS and the API stay responsive`, async () => {
      const iface = h.cluster.iface();
      await Promise.all(h.cluster.machines.map((m) => m.netem(iface, spec)));
      try {
        await h.m('n100-1').sleep(20); // long enough for missed heartbeats to show
        await h.k3s.waitNodesReady(180);
        const t0 = Date.now();
        expect(await h.k3s.kubectl('get --raw /readyz')).toBe('ok');
        const pod = (await h.k3s.kubectl("get pods -l app=netcheck -o jsonpath='{.items[0].metadata.name}'")).trim();
        expect(await h.k3s.kubectl(`exec ${pod} -- nslookup kubernetes.default.svc.cluster.local`)).toMatch(/Address/);
        console.log(`k3s-network-constraints: ${name}: API + DNS answered in ${Date.now() - t0} ms`);
      } finally {
        await Promise.all(h.cluster.machines.map((m) => m.clearNetem(iface)));
      }
    });
  }
});
