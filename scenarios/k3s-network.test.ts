/** k3s-network: flannel VXLAN on the profile's cluster interface, node↔pod and pod↔pod reachability, CoreDNS. */
import { expect, it } from 'vitest';
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';

const budget = budgetFor('k3s-network', { servers: 2 });
const b = budget;

describeK3s('k3s-network', () => {
  const h = useK3s('vlans', { budget });
  let pods: { name: string; ip: string; node: string }[] = [];

  it('a DaemonSet runs one pod on every node', async ({ signal }) => {
    await h.k3s.waitNodesReady({ timeout: b.wait('daemonset', 'nodesReady'), signal });
    await h.k3s.apply('k3s/netcheck-ds.yaml');
    const ds = await h.k3s.waitDaemonSetReady('default', 'netcheck', { timeout: b.wait('daemonset', 'daemonSet'), signal });
    expect(ds.status?.numberReady).toBe(3);
    const list = await h.k3s.waitPodsReady('default', 'app=netcheck', { min: 3, timeout: b.wait('daemonset', 'podsReady'), signal });
    pods = list.map((p) => ({ name: p.metadata!.name!, ip: p.status!.podIP!, node: p.spec!.nodeName! }));
    expect(new Set(pods.map((p) => p.node)).size).toBe(3);
  }, b.vitestTimeout('daemonset'));

  it('flannel.1 is a VXLAN device riding the cluster interface', async () => {
    for (const m of h.cluster.machines) {
      const r = await m.execute('ip -d link show flannel.1', { timeout: b.wait('flannel', 'link') });
      expect(r.stdout).toMatch(/vxlan id 1 /);
      expect(r.stdout).toContain(`dev ${h.cluster.iface()}`);
    }
  }, b.vitestTimeout('flannel'));

  it('every node pings every pod IP', async () => {
    for (const m of h.cluster.machines) for (const p of pods) await m.waitUntilSucceeds(`ping -c1 -W2 ${p.ip}`, { timeout: b.wait('nodeToPod', 'ping') });
  }, b.vitestTimeout('nodeToPod'));

  it('every pod reaches every other pod', async () => {
    // kubectl exec in the guest: running a command inside a pod is what the host-side API cannot show directly.
    for (const a of pods) for (const p of pods) if (a !== p) await h.k3s.kubectl(`exec ${a.name} -- ping -c1 -W3 ${p.ip}`, { timeout: b.wait('podToPod', 'exec') });
  }, b.vitestTimeout('podToPod'));

  it('CoreDNS resolves a Service name from inside a pod', async () => {
    await h.k3s.apply('k3s/web.yaml');
    const ip = (await (await h.k3s.core()).readNamespacedService({ namespace: 'default', name: 'web' })).spec?.clusterIP;
    const out = await h.k3s.kubectl(`exec ${pods[0].name} -- nslookup web.default.svc.cluster.local`, { timeout: b.wait('dns', 'exec') });
    expect(out).toContain(ip);
  }, b.vitestTimeout('dns'));
});
