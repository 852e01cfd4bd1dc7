/**
 * k3s-rehearsal: the production k3s path (scenarios/lib/k3s.ts → harness/k3s) with the k3s-standin (NOT k3s) in
 * the layer in place of the k3s binary, on 3 servers and 1 agent: layer built and attached (with a dummy airgap
 * tarball), binary installed from it, 0600 token file, HA joins through the keepalived VIP, each server started
 * only once it is a full etcd voter (Debian's etcd in k3s's layout, read with k3s's client certificate), the
 * kubeconfig fetched and rewritten, every server's API reached from the host through its 127.0.0.1 forward with
 * client-certificate TLS, label selectors, server-side apply, the ready-watch end to end, nodes that survive
 * reboot() and crash() + start() (on the first profile), and the loss of the first server (the VIP moves, the host
 * client fails over). HA runs on the first profile, booted cold at the real scenarios' memory, under KVM and TCG alike
 * (N3X_REHEARSAL_HA=0 leaves it out: see rehearsalPlan). The other profiles run the per-profile part
 * of the path (flags, addresses, interfaces, frames) on 1 server + 1 agent restored from a booted snapshot: the HA
 * machinery has no profile-specific code but the VIP's interface, which vip.test.ts checks for every profile.
 * It proves the harness's path on machines without k3s; it is never a k3s pass (see k3s-vlans & co. for that).
 */
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { budgetFor, useK3s } from './lib/k3s.js';
import { expectFullFramesBetweenNodes } from './lib/k3s-frames.js';
import { rehearsalPlan, STANDIN_AIRGAP_NAME, STANDIN_HEALTH_PORT, STANDIN_NAME, standinBinary } from './lib/k3s-standin.js';
import { httpsGet, blackholeGateway, K3S_LAYER_MOUNT, K3S_MODULES, K3S_TOKEN_FILE, k3sEtcdctl, parseMemberList, watchNodeReady, K3S_IMAGES_DIR, keepalivedTiming, registrationAddress, type Machine, profileName, retryUntil, NotYet, sleep } from '../harness/index.js';

const profiles = (process.env.N3X_REHEARSAL_PROFILES ?? 'vlans,simple,bonding-vlans').split(',').map(profileName);
const haBudget = budgetFor('k3s-rehearsal', { servers: 3 });
const smallBudget = budgetFor('k3s-rehearsal', { servers: 1 });
const HA_ROLES = ['server', 'server', 'server', 'agent'] as const;
const SMALL_ROLES = ['server', 'agent'] as const;

describe.each(rehearsalPlan(profiles, { env: process.env }))(`k3s-rehearsal on %s (%s) with ${STANDIN_NAME}: the harness's k3s path, not a k3s pass`, (profile, kind) => {
  // HA (rehearsalPlan: the first profile unless N3X_REHEARSAL_HA=0) boots cold at the real scenarios' memory
  // (2048 / 1536 MiB); the others run 1 server + 1 agent from a booted snapshot.
  const ha = kind === 'HA, cold';
  const first = profile === profiles[0];
  const b = ha ? haBudget : smallBudget;
  const sizes = ha ? {} : { serverMemoryMiB: 768, agentMemoryMiB: 512, snapshot: 'booted' };
  // keepalived asks the stand-in's health port for /ping: its API port requires a client certificate (k3s's does not).
  const h = useK3s(profile, { budget: b, roles: [...(ha ? HA_ROLES : SMALL_ROLES)], binary: standinBinary(), healthPort: STANDIN_HEALTH_PORT, ...sizes });

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

  it(`${STANDIN_NAME}: every node has the layer mounted read-only, k3s installed from it, the airgap tarball linked into agent/images, modules, sysctls, route and one shared 0600 token`, async () => {
    for (const m of h.cluster.machines) {
      await expectPrepared(m);
      expect((await m.succeed(`readlink ${K3S_IMAGES_DIR}/${STANDIN_AIRGAP_NAME}`)).trim()).toBe(`${K3S_LAYER_MOUNT}/images/${STANDIN_AIRGAP_NAME}`);
      expect(await m.succeed(`tar -tf ${K3S_IMAGES_DIR}/${STANDIN_AIRGAP_NAME}`)).toBe('README\n');
      await m.fail(`test -e ${K3S_IMAGES_DIR}/.cache.json`); // the stand-in's version is no k3s release: import cache off
    }
    const sums = await Promise.all(h.cluster.machines.map((m) => m.succeed(`sha256sum < ${K3S_TOKEN_FILE}`)));
    expect(new Set(sums).size).toBe(1);
  }, b.vitestTimeout('prepared'));

  it(`${STANDIN_NAME}: units started in order — first server, other servers one by one, agents`, async () => {
    const startedAt = async (m: Machine) => Number((await m.succeed("journalctl -u k3s.service -o short-unix --no-pager | awk '!n && /: starting / {print $1; n=1} END {exit !n}'")).trim());
    const t = await Promise.all(h.k3s.nodes.map(async (n) => ({ ...n, at: await startedAt(h.m(n.name)) })));
    console.log(`k3s-rehearsal: unit start times ${t.map((x) => `${x.name}(${x.role})=${x.at.toFixed(1)}`).join(' ')}`);
    for (let i = 1; i < t.length; i++) expect(t[i].at, `${t[i].name} after ${t[i - 1].name}`).toBeGreaterThan(t[i - 1].at);
  }, b.vitestTimeout('order'));

  it(`${STANDIN_NAME}: kubeconfig in k3s's layout is rewritten; the host reaches every server's API through its 127.0.0.1 forward with a client certificate; without one the TLS handshake is refused (k3s answers 401; the stand-in's socat cannot)`, async ({ signal }) => {
    const kc = await h.k3s.kubeConfig();
    expect(kc.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${h.k3s.apiServer.hostPort(6443)}`);
    expect(kc.getCurrentUser()?.certData).toBeTruthy();
    for (const s of h.k3s.servers) expect(await h.k3s.getFrom(s.name, '/readyz', signal)).toEqual({ status: 200, body: 'ok' });
    const anon = new k8s.KubeConfig();
    anon.loadFromOptions({ clusters: kc.clusters, users: [{ name: 'anon' }], contexts: [{ name: 'anon', cluster: kc.clusters[0].name, user: 'anon' }], currentContext: 'anon' });
    await expect(httpsGet(anon, '/readyz', AbortSignal.timeout(b.wait('kubeconfig', 'refused') * 1000))).rejects.toThrow(/certificate required|alert|handshake/i);
    expect(await h.k3s.kubectl('get --raw /readyz')).toBe('ok');
  }, b.vitestTimeout('kubeconfig'));

  it(`${STANDIN_NAME}: waitNodesReady — every node Ready, INTERNAL-IP on the cluster network; label selectors pick the control plane and the rest`, async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('nodes', 'nodesReady'), signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(h.k3s.nodes.map((n) => n.name));
    for (const n of nodes) {
      expect(n.status?.nodeInfo?.kubeletVersion).toBe(STANDIN_NAME); // the stand-in, never k3s
      expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(h.cluster.address(n.metadata!.name!));
    }
    const api = await h.k3s.core();
    const cp = await api.listNode({ labelSelector: 'node-role.kubernetes.io/control-plane=true' });
    expect(cp.items.map((n) => n.metadata?.name).sort()).toEqual(h.k3s.servers.map((n) => n.name));
    const rest = await api.listNode({ labelSelector: '!node-role.kubernetes.io/control-plane' });
    expect(rest.items.map((n) => n.metadata?.name)).toEqual(h.k3s.nodes.filter((n) => n.role === 'agent').map((n) => n.name));
  }, b.vitestTimeout('nodes'));

  it(`${STANDIN_NAME}: every server is a started etcd voter (etcdctl with k3s's client certificate on 127.0.0.1:2379), members named <node>-<8 hex>`, async () => {
    for (const s of h.k3s.servers) {
      const r = await h.m(s.name).execute(k3sEtcdctl('member list -w simple'), { timeout: b.wait('etcd', 'memberList') });
      expect(r.status, r.stderr).toBe(0);
      const members = parseMemberList(r.stdout);
      expect(members.map((m) => [m.name.replace(/-[0-9a-f]{8}$/, ''), m.started, m.isLearner]).sort()).toEqual(h.k3s.servers.map((x) => [x.name, true, false]));
    }
  }, b.vitestTimeout('etcd'));

  it(`${STANDIN_NAME}: apply() (server-side apply through discovery) creates, then updates in place; a label selector lists one`, async () => {
    const [a1] = await h.k3s.apply('k3s-standin/configmaps.yaml');
    const [a2] = await h.k3s.apply('k3s-standin/configmaps.yaml');
    expect(a2.metadata?.uid).toBe(a1.metadata?.uid);
    expect(a2.metadata?.resourceVersion).not.toBe(a1.metadata?.resourceVersion);
    expect((a2.metadata as k8s.V1ObjectMeta).managedFields?.[0]).toMatchObject({ manager: 'n3x', operation: 'Apply' });
    const two = await (await h.k3s.core()).listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=rehearsal,tier=two' });
    expect(two.items.map((c) => c.metadata?.name)).toEqual(['rehearsal-b']);
  }, b.vitestTimeout('apply'));

  it(`${STANDIN_NAME}: full-size frames — 1500-byte packets with DF between every pair of nodes on every network`, async () => {
    await expectFullFramesBetweenNodes(h.cluster, { timeout: b.wait('frames', 'trunkPing') });
  }, b.vitestTimeout('frames'));

  // reboot and crash go through no profile-specific code: the first profile only (on the HA cluster a server crashes,
  // on the small one the agent: the only server's crash would take the API the watch reads from).
  if (first) {
    it(`${STANDIN_NAME}: reboot() of the agent — unit, layer mount, modules, sysctls and route come back; the node is Ready again`, async ({ signal }) => {
      const agent = h.m(h.k3s.nodes.find((n) => n.role === 'agent')!.name);
      const boot = agent.bootId;
      await agent.reboot();
      expect(agent.bootId).not.toBe(boot);
      await agent.waitForUnit('k3s.service', { timeout: b.wait('reboot', 'unit') });
      await expectPrepared(agent);
      await h.k3s.waitNodesReady({ timeout: b.wait('reboot', 'nodesReady'), signal });
    }, b.vitestTimeout('reboot'));

    it(`${STANDIN_NAME}: crash() of ${ha ? 'the second server' : 'the agent'} — the ready-watch sees it leave Ready after the heartbeat grace; Ready again after start()`, async ({ signal }) => {
      const name = ha ? h.k3s.servers[1].name : h.k3s.nodes.find((n) => n.role === 'agent')!.name;
      const m = h.m(name);
      const watch = await watchNodeReady(await h.k3s.kubeConfig(), signal);
      try {
        await m.crash();
        const down = await h.k3s.waitNodeNotReady(name, { timeout: b.wait('crash', 'notReady'), signal });
        expect(down.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
        await new Promise((r) => setTimeout(r, 10_000)); // the watch's next MODIFIED round (every 5 s)
        expect(watch.transitions.filter((t) => t.node === name).map((t) => `${t.from}→${t.to}`)).toContain('True→Unknown');
      } finally {
        watch.stop();
      }
      await m.start();
      await m.waitForUnit('k3s.service', { timeout: b.wait('crash', 'unit') });
      await expectPrepared(m);
      await h.k3s.waitNodesReady({ timeout: b.wait('crash', 'nodesReady'), signal });
    }, b.vitestTimeout('crash'));
  }

  // The first server's loss: the HA cluster only.
  if (ha) {
    it(`${STANDIN_NAME}: losing the first server — the VIP moves, the host client fails over, the survivors see it NotReady, the agent's heartbeats go on through the VIP`, async ({ signal }) => {
      const first = h.k3s.servers[0].name;
      const vip = registrationAddress(h.cluster.profile);
      const t = keepalivedTiming(b.factor); // probe and adverts scaled like the budget, on every server
      for (const s of h.k3s.servers) expect(await h.m(s.name).succeed(`grep -E '^  (interval|timeout|advert_int) ' /etc/keepalived/keepalived.conf`)).toBe(`  interval ${t.probe}\n  timeout ${t.probeKill}\n  advert_int ${t.advert}\n`);
      await h.m(first).crash();
      const survivors = h.k3s.servers.slice(1).map((s) => s.name);
      const holders = async () => (await Promise.all(survivors.map(async (s) => ((await h.m(s).execute(`ip -4 -o addr show | grep -qw ${vip}`, { timeout: 60 })).status === 0 ? [s] : [])))).flat();
      const held = await retryUntil(async () => {
        const now = await holders();
        if (!now.length) throw new NotYet(`no survivor holds ${vip} yet`);
        return now;
      }, { timeout: b.wait('loseFirst', 'vip'), interval: 1, what: `a survivor holding ${vip}`, signal });
      expect(held, `servers holding ${vip}`).toHaveLength(1);
      // and no second survivor takes it over the next 3 adverts (the time a backup waits before it does)
      for (const end = Date.now() + 3 * t.advert * 1000; Date.now() < end; await sleep(1)) expect(await holders(), `servers holding ${vip}`).toEqual(held);
      await h.k3s.waitReadyz({ timeout: b.wait('loseFirst', 'readyz'), signal });
      expect(h.k3s.apiServer.name).not.toBe(first);
      await h.k3s.waitNodeNotReady(first, { timeout: b.wait('loseFirst', 'notReady'), signal });
      const agent = h.k3s.nodes.find((n) => n.role === 'agent')!.name;
      await h.k3s.waitNodes({ names: [agent, ...h.k3s.servers.slice(1).map((s) => s.name)], timeout: b.wait('loseFirst', 'agentReady'), signal });
    }, b.vitestTimeout('loseFirst'));
  }
});
