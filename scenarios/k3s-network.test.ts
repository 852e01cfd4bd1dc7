/** k3s-network: flannel VXLAN on the profile's cluster interface, node↔pod and pod↔pod reachability, CoreDNS. */
import { expect, it } from 'vitest';
import { describeK3s, useK3s } from './lib/k3s.js';

describeK3s('k3s-network', () => {
  const h = useK3s('vlans');
  let pods: { name: string; ip: string; node: string }[] = [];

  it('a DaemonSet runs one pod on every node', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: 900, signal });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    const ds = await h.k3s.waitDaemonSetReady('default', 'netcheck', { timeout: 600, signal });
    expect(ds.status?.numberReady).toBe(3);
    const list = await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeout: 60, signal });
    pods = list.map((p) => ({ name: p.metadata!.name!, ip: p.status!.podIP!, node: p.spec!.nodeName! }));
    expect(new Set(pods.map((p) => p.node)).size).toBe(3);
  });

  it('flannel.1 is a VXLAN device riding the cluster interface', async () => {
    for (const m of h.cluster.machines) {
      const link = await m.succeed('ip -d link show flannel.1');
      expect(link).toMatch(/vxlan id 1 /);
      expect(link).toContain(`dev ${h.cluster.iface()}`);
    }
  });

  it('every node pings every pod IP', async () => {
    for (const m of h.cluster.machines) for (const p of pods) await m.waitUntilSucceeds(`ping -c1 -W2 ${p.ip}`, { timeout: 60 });
  });

  it('every pod reaches every other pod', async () => {
    // kubectl exec in the guest: running a command inside a pod is what the host-side API cannot show directly.
    for (const a of pods) for (const b of pods) if (a !== b) await h.k3s.kubectl(`exec ${a.name} -- ping -c1 -W3 ${b.ip}`);
  });

  it('CoreDNS resolves a Service name from inside a pod', async () => {
    await h.k3s.apply('k3s/web.yaml');
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    const out = await h.k3s.kubectl(`exec ${pods[0].name} -- nslookup web.default.svc.cluster.local`);
    expect(out).toContain(ip);
  });
});
