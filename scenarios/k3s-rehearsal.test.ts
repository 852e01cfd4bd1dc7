/**
 * k3s-rehearsal: the production k3s path (scenarios/lib/k3s.ts → harness/k3s) with the k3s-standin (NOT k3s) in
 * the layer in place of the k3s binary: layer built and attached, binary installed from it, 0600 token file,
 * units started in order, kubeconfig fetched and rewritten, API reached from the host through the 127.0.0.1
 * forward with client-certificate TLS, waitNodesReady, and nodes that survive reboot() and crash() + start().
 * It proves the harness's path on machines without k3s; it is never a k3s pass (see k3s-vlans & co. for that).
 */
import * as k8s from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { describe } from 'vitest';
import { blackholeGateway, K3S_LAYER_MOUNT, K3S_MODULES, K3S_TOKEN_FILE } from '../harness/k3s/config.js';
import type { Machine } from '../harness/machine/machine.js';
import { budgetFor, useK3s } from './lib/k3s.js';
import { STANDIN_NAME, standinBinary } from './lib/k3s-standin.js';
import { profileName } from '../profiles/index.js';

const profiles = (process.env.N3X_REHEARSAL_PROFILES ?? 'simple,vlans,bonding-vlans').split(',').map(profileName);
const budget = budgetFor('k3s-rehearsal', { servers: 2 });
const b = budget;

describe.each(profiles)(`k3s-rehearsal on %s with ${STANDIN_NAME}: the harness's k3s path, not a k3s pass`, (profile) => {
  const h = useK3s(profile, { budget, binary: standinBinary(), serverMemoryMiB: 768, agentMemoryMiB: 512, snapshot: 'booted' });

  /** The persistent pieces of a prepared node, as seen in the guest. */
  async function expectPrepared(m: Machine): Promise<void> {
    expect(await m.succeed(`findmnt -no OPTIONS ${K3S_LAYER_MOUNT}`)).toMatch(/^ro[,\n]/);
    expect((await m.succeed('readlink /usr/local/bin/k3s')).trim()).toBe(`${K3S_LAYER_MOUNT}/k3s`);
    expect(await m.succeed('k3s --version')).toContain(STANDIN_NAME);
    expect(await m.succeed(`stat -c '%a %U' ${K3S_TOKEN_FILE}`)).toBe('600 root\n');
    for (const mod of K3S_MODULES) await m.succeed(`test -d /sys/module/${mod}`);
    expect(await m.succeed('sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables')).toBe('1\n1\n');
    expect((await m.succeed('ip -4 route show default')).trim()).toBe(`default via ${blackholeGateway(h.cluster.profile)} dev ${h.cluster.iface()}`);
  }

  it(`${STANDIN_NAME}: every node has the layer mounted read-only, k3s installed from it, modules, sysctls, route and one shared 0600 token`, async () => {
    for (const m of h.cluster.machines) await expectPrepared(m);
    const sums = await Promise.all(h.cluster.machines.map((m) => m.succeed(`sha256sum < ${K3S_TOKEN_FILE}`)));
    expect(new Set(sums).size).toBe(1);
  });

  it(`${STANDIN_NAME}: units started in order — first server, other servers, agents`, async () => {
    const startedAt = async (m: Machine) => Number((await m.succeed("journalctl -u k3s.service -o short-unix --no-pager | grep -m1 ': starting ' | cut -d' ' -f1")).trim());
    const t = await Promise.all(h.k3s.nodes.map(async (n) => ({ ...n, at: await startedAt(h.m(n.name)) })));
    console.log(`k3s-rehearsal: unit start times ${t.map((x) => `${x.name}(${x.role})=${x.at.toFixed(1)}`).join(' ')}`);
    const [first, ...rest] = t;
    for (const x of rest) expect(x.at).toBeGreaterThan(first.at);
    const servers = rest.filter((x) => x.role === 'server');
    for (const a of rest.filter((x) => x.role === 'agent')) for (const s of servers) expect(a.at).toBeGreaterThan(s.at);
  });

  it(`${STANDIN_NAME}: kubeconfig in k3s's layout is rewritten; the host reaches the API through 127.0.0.1 with a client certificate, and not without one`, async ({ signal }) => {
    const kc = await h.k3s.kubeConfig();
    expect(kc.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${h.k3s.first.hostPort(6443)}`);
    expect(kc.getCurrentUser()?.certData).toBeTruthy();
    expect(await h.k3s.get('/readyz', signal)).toEqual({ status: 200, body: 'ok' });
    const anon = new k8s.KubeConfig();
    anon.loadFromOptions({ clusters: kc.clusters, users: [{ name: 'anon' }], contexts: [{ name: 'anon', cluster: kc.clusters[0].name, user: 'anon' }], currentContext: 'anon' });
    await expect(anon.makeApiClient(k8s.CoreV1Api).listNode()).rejects.toThrow();
    expect(await h.k3s.kubectl('get --raw /readyz')).toBe('ok');
  });

  it(`${STANDIN_NAME}: waitNodesReady — every node Ready, INTERNAL-IP on the cluster network, servers in the control plane`, async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('nodes', 'nodesReady'), signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(h.k3s.nodes.map((n) => n.name));
    for (const n of nodes) {
      expect(n.status?.nodeInfo?.kubeletVersion).toBe(STANDIN_NAME); // the stand-in, never k3s
      expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(h.cluster.address(n.metadata!.name!));
    }
    const cp = nodes.filter((n) => n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] === 'true').map((n) => n.metadata?.name);
    expect(cp.sort()).toEqual(h.k3s.nodes.filter((n) => n.role === 'server').map((n) => n.name));
  });

  it(`${STANDIN_NAME}: reboot() of the agent — unit, layer mount, modules, sysctls and route come back; the node is Ready again`, async ({ signal }) => {
    const agent = h.m(h.k3s.nodes.find((n) => n.role === 'agent')!.name);
    const boot = agent.bootId;
    await agent.reboot();
    expect(agent.bootId).not.toBe(boot);
    await agent.waitForUnit('k3s.service', { timeout: b.wait('reboot', 'unit') });
    await expectPrepared(agent);
    await h.k3s.waitNodesReady({ timeout: b.wait('reboot', 'nodesReady'), signal });
  });

  it(`${STANDIN_NAME}: crash() of the second server — NotReady after the heartbeat grace, Ready again after start()`, async ({ signal }) => {
    const name = h.k3s.nodes.filter((n) => n.role === 'server')[1].name;
    const m = h.m(name);
    await m.crash();
    const down = await h.k3s.waitNodeNotReady(name, { timeout: b.wait('crash', 'notReady'), signal });
    expect(down.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    await m.start();
    await m.waitForUnit('k3s.service', { timeout: b.wait('crash', 'unit') });
    await expectPrepared(m);
    await h.k3s.waitNodesReady({ timeout: b.wait('crash', 'nodesReady'), signal });
  });
});
