/**
 * k3s on a Cluster: install from the layer, start the units in order (first server, the other servers one by
 * one, then the agents), fetch a kubeconfig that reaches the API through a 127.0.0.1 port forward, and
 * watch and wait with @kubernetes/client-node from the host. Every wait takes an AbortSignal (pass Vitest's
 * test `signal`) and ends when it fires.
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../cluster/cluster.js';
import { ConfigError } from '../errors.js';
import type { Machine } from '../machine/machine.js';
import { NotYet, retryUntil } from '../retry.js';
import { logger } from '../log.js';
import { apiTimeoutsMs, firstServer, isHa, K3S_API_PORT, k3sArgs, k3sPrepareScript, k3sUnit, startOrder, type K3sNode, type K3sOptions, type K3sRole } from './config.js';
import { k3sEtcdctl, notYetVoter, parseMemberList } from './etcd-members.js';
import { chooseServer, connectionLost, type ServerProbe } from './failover.js';
import { rewriteKubeconfig } from './kubeconfig.js';
import { installFromLayerScript } from './layer.js';
import { nodeReady } from './nodes.js';
import { podReadiness } from './readiness.js';
import { importCacheSupported } from './release.js';
import { keepalivedConf, registrationAddress, VIP_PACKAGE } from './vip.js';

const log = logger('k3s');
const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const K3S_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';

/** Options of every wait: a deadline in seconds and the signal that ends it early (Vitest's test `signal`). */
export interface WaitOpts {
  timeout?: number;
  signal?: AbortSignal;
}

export { nodeReady };

/** K3sCluster.start's deadlines in seconds (from the scenario's budget, budget.ts). */
export interface FormationTimeouts {
  /** The first server's API from the host. */
  firstServer: number;
  /** Each further server until it is a full etcd voter. */
  perServer: number;
  /** HA: the first server until it holds the registration VIP. */
  vip: number;
}

/** One API call as a retry attempt: errors and calls slower than `ms` are NotYet; the signal ends it at once. */
export async function attempt<T>(call: () => Promise<T>, signal?: AbortSignal, ms = 20_000): Promise<T> {
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      call().catch((e: Error) => {
        throw Object.assign(new NotYet(`API: ${e.message.split('\n')[0]}`), { lost: connectionLost(e) });
      }),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(Object.assign(new NotYet(`API call took over ${ms / 1000} s`), { lost: true })), ms);
      }),
      new Promise<never>((_, rej) => {
        onAbort = () => rej(signal!.reason ?? new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** GET a raw API path with a kubeconfig's client certificate (e.g. /readyz). */
export async function httpsGet(kc: k8s.KubeConfig, path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  const url = new URL(path, kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = { method: 'GET', signal };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const waitPacing = { interval: 2, maxInterval: 5 };

export class K3sCluster {
  readonly nodes: K3sNode[];
  /** The kubeconfig as k3s wrote it: one CA and one admin certificate for every server of the cluster. */
  private kcText?: string;
  private kc?: k8s.KubeConfig;
  /** The server the host's client talks to (failover.ts chooses). */
  private current?: string;

  constructor(readonly cluster: Cluster, roles: K3sRole[], private readonly opts: K3sOptions = {}) {
    if (roles.length !== cluster.machines.length) throw new ConfigError('roles', `${roles.length} roles for ${cluster.machines.length} machines`, 'give one role per node');
    this.nodes = cluster.machines.map((m, i) => ({ name: m.name, index: i + 1, role: roles[i] }));
  }

  /** The first server (cluster-init). */
  get first(): Machine {
    return this.cluster.machine(firstServer(this.nodes).name);
  }

  /** The servers, in start order. */
  get servers(): K3sNode[] {
    return this.nodes.filter((n) => n.role === 'server');
  }

  /** The server the host's API client uses now (the first server until it stops answering). */
  get apiServer(): Machine {
    return this.cluster.machine(this.current ?? firstServer(this.nodes).name);
  }

  /**
   * Installs k3s on every node (layer mount, binary, modules, sysctls, route, 0600 token file, all persistent),
   * then starts the units in order: the first server until its API answers from the host, each other server
   * until it is a full etcd voter (read from etcd) and a registered node, then the agents. In HA the first
   * server takes the registration VIP before anyone joins, and each server runs keepalived once it is a voter.
   */
  async start(t: FormationTimeouts, signal?: AbortSignal): Promise<void> {
    const token = randomBytes(24).toString('hex');
    const importCache = importCacheSupported(this.opts.version);
    log.info(`k3s ${this.opts.version ?? 'unknown'}: image import cache ${importCache ? 'on (agent/images/.cache.json)' : 'off (the release predates it: every start imports the airgap images)'}`);
    await Promise.all(this.cluster.machines.map((m) => m.succeed(installFromLayerScript({ importCache }), k3sPrepareScript(this.cluster.profile, token))));
    const order = startOrder(this.nodes);
    const ha = isHa(this.nodes);
    if (ha) await this.requireKeepalived();
    const t0 = Date.now();
    await this.startUnit(order.first);
    await this.waitApi({ timeout: t.firstServer, signal });
    log.info(`first server ${order.first.name} answers in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    if (ha) await this.startVip(order.first, token, { timeout: t.vip, signal });
    for (const s of order.servers) {
      const t1 = Date.now();
      await this.startUnit(s);
      await this.waitVoter(s.name, { timeout: t.perServer, signal });
      await this.startVip(s, token, {});
      log.info(`server ${s.name} is a full etcd voter after ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    }
    await Promise.all(order.agents.map((a) => this.startUnit(a)));
  }

  private async startUnit(n: K3sNode): Promise<void> {
    const unit = k3sUnit(k3sArgs(this.cluster.profile, n, this.nodes, this.opts));
    await this.cluster.machine(n.name).succeed(`cat > /etc/systemd/system/k3s.service <<'EOF'\n${unit}EOF`, 'systemctl daemon-reload', 'systemctl enable k3s.service', 'systemctl start --no-block k3s.service', 'sync');
  }

  private async requireKeepalived(): Promise<void> {
    for (const s of this.servers) {
      const r = await this.cluster.machine(s.name).execute('command -v keepalived', { timeout: 30 });
      if (r.status !== 0) throw new ConfigError('packages', `server ${s.name} has no keepalived, which holds the HA registration address`, `give the servers packages: ['${VIP_PACKAGE}'] (useK3s does)`);
    }
  }

  /** Writes keepalived.conf, enables keepalived and, for the first server, waits until it holds the VIP. */
  private async startVip(n: K3sNode, token: string, o: WaitOpts): Promise<void> {
    const m = this.cluster.machine(n.name);
    const conf = keepalivedConf(this.cluster.profile, { node: n.name, index: n.index, password: token.slice(0, 8), healthPort: this.opts.healthPort, timeFactor: this.opts.timeFactor });
    await m.succeed('mkdir -p /etc/keepalived', `cat > /etc/keepalived/keepalived.conf <<'EOF'\n${conf}EOF`, 'systemctl enable keepalived.service', 'systemctl restart keepalived.service', 'sync');
    if (n.name !== firstServer(this.nodes).name) return;
    await m.waitUntilSucceeds(`ip -4 -o addr show | grep -qw ${registrationAddress(this.cluster.profile)}`, { timeout: o.timeout ?? 60 });
  }

  /** Waits until a server is a started, non-learner etcd member (etcdctl on it) and its Node is registered. */
  async waitVoter(name: string, o: WaitOpts = {}): Promise<void> {
    const m = this.cluster.machine(name);
    const ip = this.cluster.address(name);
    await retryUntil(async () => {
      const r = await m.execute(k3sEtcdctl('member list -w simple'), { timeout: 30 });
      if (r.status !== 0) throw new NotYet(`etcd on ${name} does not answer yet: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
      const why = notYetVoter(parseMemberList(r.stdout), ip);
      if (why) throw new NotYet(why);
      const list = await attempt(async () => (await this.core()).listNode(), o.signal, this.callMs).catch((e) => this.lost(e));
      if (!list.items.some((n) => n.metadata?.name === name)) throw new NotYet(`${name} is an etcd voter but not yet a registered node`);
    }, { timeout: o.timeout ?? 600, what: `${name} a full etcd voter and a registered node`, ...waitPacing, signal: o.signal });
  }

  /** kubectl on the server the client uses (its own kubeconfig): only for what the API cannot show (exec, logs). */
  async kubectl(args: string, o: { timeout?: number } = {}): Promise<string> {
    const m = this.apiServer;
    const r = await m.execute(`k3s kubectl ${args}`, { timeout: o.timeout ?? 120 });
    if (r.status !== 0) throw new Error(`k3s kubectl ${args} on ${m.name} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
    return r.stdout;
  }

  /** The kubeconfig text k3s wrote, from the first server, or from any other server when the first is gone. */
  private async kubeconfigText(): Promise<string> {
    if (this.kcText) return this.kcText;
    for (const s of this.servers) {
      const m = this.cluster.machine(s.name);
      const r = await m.execute(`cat ${K3S_KUBECONFIG}`, { timeout: 30 }).catch(() => undefined);
      if (r?.status === 0) return (this.kcText = r.stdout);
    }
    throw new NotYet(`${K3S_KUBECONFIG} not written yet on any server`);
  }

  /** The kubeconfig pointed at one server's 127.0.0.1 forward. */
  private async kubeConfigFor(name: string): Promise<k8s.KubeConfig> {
    return rewriteKubeconfig(await this.kubeconfigText(), this.cluster.machine(name).hostPort(K3S_API_PORT), `n3x-${this.cluster.id}`);
  }

  /** One API call's own timeout (ms), scaled by the budget's factor. */
  private get callMs(): number {
    return apiTimeoutsMs(this.opts.timeFactor).call;
  }

  /** A client-side KubeConfig that reaches a live server's API via its 127.0.0.1 forward (failover() picks it). */
  async kubeConfig(): Promise<k8s.KubeConfig> {
    if (this.kc) return this.kc;
    await this.failover();
    return this.kc!;
  }

  /** Probes every server's /readyz and points the client at the one chooseServer picks; NotYet when none answers. */
  async failover(signal?: AbortSignal): Promise<string> {
    const probes = await Promise.all(this.servers.map(async ({ name }): Promise<ServerProbe> => {
      try {
        const r = await httpsGet(await this.kubeConfigFor(name), '/readyz', AbortSignal.any([AbortSignal.timeout(apiTimeoutsMs(this.opts.timeFactor).probe), ...(signal ? [signal] : [])]));
        return { name, ...r };
      } catch (e) {
        if (e instanceof NotYet) throw e;
        return { name, error: (e as Error).message };
      }
    }));
    const c = chooseServer(probes, this.current);
    if (!c.name) throw new NotYet(c.why);
    if (c.name !== this.current || !this.kc) {
      if (this.current) log.info(`API client: ${c.why}`);
      this.current = c.name;
      this.kc = await this.kubeConfigFor(c.name);
    }
    return c.name;
  }

  /** Forgets the current server when a call lost its connection, so the next call fails over; rethrows. */
  private lost(e: unknown): never {
    if ((e as { lost?: boolean }).lost) this.kc = undefined;
    throw e;
  }

  /** GET a raw API path from the host with the kubeconfig's client certificate (e.g. /readyz). */
  async get(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    try {
      return await httpsGet(await this.kubeConfig(), path, signal);
    } catch (e) {
      if (connectionLost(e)) this.kc = undefined;
      throw e;
    }
  }

  /** GET a raw API path through one named server's forward (no failover): does that server serve the API? */
  async getFrom(server: string, path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return httpsGet(await this.kubeConfigFor(server), path, signal);
  }

  async core(): Promise<k8s.CoreV1Api> {
    return (await this.kubeConfig()).makeApiClient(k8s.CoreV1Api);
  }

  async apps(): Promise<k8s.AppsV1Api> {
    return (await this.kubeConfig()).makeApiClient(k8s.AppsV1Api);
  }

  /** One API call in a retry attempt, on the current server; a lost connection makes the next attempt fail over. */
  private call<T>(fn: (kc: k8s.KubeConfig) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return attempt(async () => fn(await this.kubeConfig()), signal, this.callMs).catch((e) => this.lost(e));
  }

  /** Waits until the kubeconfig exists on the first server and /readyz answers `ok` from the host. */
  async waitApi(o: WaitOpts = {}): Promise<void> {
    await retryUntil(async () => {
      if (!this.kcText) {
        const r = await this.first.execute(`cat ${K3S_KUBECONFIG}`, { timeout: 30 });
        if (r.status !== 0) {
          const unit = await this.first.execute('echo "k3s.service $(systemctl is-active k3s.service)"; journalctl _SYSTEMD_UNIT=k3s.service -n 1 -o cat --no-pager', { timeout: 30 });
          throw new NotYet(`${K3S_KUBECONFIG} not written yet on ${this.first.name} (${unit.stdout.trim().replace(/\n/g, '; last log: ')})`);
        }
        this.kcText = r.stdout;
      }
      await this.waitReadyzOnce(o.signal);
    }, { timeout: o.timeout ?? 600, what: `the k3s API from the host`, ...waitPacing, signal: o.signal });
  }

  private async waitReadyzOnce(signal?: AbortSignal): Promise<void> {
    const r = await attempt(() => this.get('/readyz', signal), signal, this.callMs).catch((e) => this.lost(e));
    if (r.status !== 200 || r.body.trim() !== 'ok') throw new NotYet(`/readyz via ${this.apiServer.name}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  }

  /** Waits until /readyz answers `ok` through a live server (after a crash: etcd may be electing a new leader). */
  async waitReadyz(o: WaitOpts = {}): Promise<void> {
    await retryUntil(() => this.waitReadyzOnce(o.signal), { timeout: o.timeout ?? 120, what: '/readyz ok through a live server', ...waitPacing, signal: o.signal });
  }

  /** Waits until the named nodes (default: all) are registered and, unless ready: false, Ready. */
  async waitNodes(o: WaitOpts & { names?: string[]; ready?: boolean } = {}): Promise<k8s.V1Node[]> {
    const names = o.names ?? this.nodes.map((n) => n.name);
    return retryUntil(async () => {
      const list = await this.call((kc) => kc.makeApiClient(k8s.CoreV1Api).listNode(), o.signal);
      const want = list.items.filter((n) => names.includes(n.metadata?.name ?? ''));
      const ok = want.filter((n) => o.ready === false || nodeReady(n));
      if (ok.length < names.length) throw new NotYet(`${ok.length}/${names.length} nodes ${o.ready === false ? 'registered' : 'Ready'} (${names.join(', ')})`);
      return list.items;
    }, { timeout: o.timeout ?? 600, what: `k3s nodes ${o.ready === false ? 'registered' : 'Ready'}: ${names.join(', ')}`, ...waitPacing, signal: o.signal });
  }

  /** Waits until every node is registered and Ready. */
  waitNodesReady(o: WaitOpts = {}): Promise<k8s.V1Node[]> {
    return this.waitNodes(o);
  }

  /** Waits until a node reports Ready=False/Unknown (e.g. after a crash; takes the 40 s node-monitor grace). */
  async waitNodeNotReady(name: string, o: WaitOpts = {}): Promise<k8s.V1Node> {
    return retryUntil(async () => {
      const n = await this.call((kc) => kc.makeApiClient(k8s.CoreV1Api).readNode({ name }), o.signal);
      if (nodeReady(n)) throw new NotYet(`${name} still Ready`);
      return n;
    }, { timeout: o.timeout ?? 300, what: `node ${name} NotReady`, ...waitPacing, signal: o.signal });
  }

  /**
   * Waits until at least `min` pods match the selector and every one that is not terminating is ready: PodReady
   * True on a Ready node (readiness.ts). Returns the non-terminating pods.
   */
  async waitPodsReady(namespace: string, labelSelector: string, o: WaitOpts & { min?: number } = {}): Promise<k8s.V1Pod[]> {
    return retryUntil(async () => {
      const [pods, nodes] = await this.call(async (kc) => {
        const api = kc.makeApiClient(k8s.CoreV1Api);
        return Promise.all([api.listNamespacedPod({ namespace, labelSelector }), api.listNode()]);
      }, o.signal);
      const v = podReadiness(pods.items, nodes.items);
      const notReady = v.filter((x) => !x.ready);
      if (v.length < (o.min ?? 1) || notReady.length) throw new NotYet(`${v.length - notReady.length}/${v.length} pods ready for ${labelSelector} in ${namespace} (need ${o.min ?? 1})${notReady.length ? `: ${notReady.map((x) => x.why).join('; ')}` : ''}`);
      return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    }, { timeout: o.timeout ?? 600, what: `pods ${labelSelector} in ${namespace}`, ...waitPacing, signal: o.signal });
  }

  /** Waits until the PVCs matching the selector (at least `min`) are Bound. */
  async waitPvcsBound(namespace: string, labelSelector: string | undefined, o: WaitOpts & { min?: number } = {}): Promise<k8s.V1PersistentVolumeClaim[]> {
    return retryUntil(async () => {
      const pvcs = (await this.call((kc) => kc.makeApiClient(k8s.CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace, labelSelector }), o.signal)).items;
      const bound = pvcs.filter((p) => p.status?.phase === 'Bound');
      if (pvcs.length < (o.min ?? 1) || bound.length < pvcs.length) throw new NotYet(`${bound.length}/${pvcs.length} PVCs Bound (${labelSelector ?? 'all'} in ${namespace})`);
      return pvcs;
    }, { timeout: o.timeout ?? 600, what: `PVCs ${labelSelector ?? ''} Bound in ${namespace}`, ...waitPacing, signal: o.signal });
  }

  /** Waits until a DaemonSet has a ready pod on every node it should run on. */
  async waitDaemonSetReady(namespace: string, name: string, o: WaitOpts = {}): Promise<k8s.V1DaemonSet> {
    return retryUntil(async () => {
      const ds = await this.call((kc) => kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ namespace, name }), o.signal);
      const s = ds.status;
      if (!s || !s.desiredNumberScheduled || s.numberReady < s.desiredNumberScheduled) throw new NotYet(`DaemonSet ${name}: ${s?.numberReady ?? 0}/${s?.desiredNumberScheduled ?? '?'} ready`);
      return ds;
    }, { timeout: o.timeout ?? 600, what: `DaemonSet ${namespace}/${name} ready`, ...waitPacing, signal: o.signal });
  }

  /** Waits until a StatefulSet has all its replicas ready. */
  async waitStatefulSetReady(namespace: string, name: string, o: WaitOpts = {}): Promise<k8s.V1StatefulSet> {
    return retryUntil(async () => {
      const ss = await this.call((kc) => kc.makeApiClient(k8s.AppsV1Api).readNamespacedStatefulSet({ namespace, name }), o.signal);
      const want = ss.spec?.replicas ?? 1;
      if ((ss.status?.readyReplicas ?? 0) < want) throw new NotYet(`StatefulSet ${name}: ${ss.status?.readyReplicas ?? 0}/${want} ready`);
      return ss;
    }, { timeout: o.timeout ?? 900, what: `StatefulSet ${namespace}/${name} ready`, ...waitPacing, signal: o.signal });
  }

  /** Applies a manifest from fixtures/ from the host: every YAML document, server-side apply (creates or updates). */
  async apply(fixtureName: string): Promise<k8s.KubernetesObject[]> {
    const client = k8s.KubernetesObjectApi.makeApiClient(await this.kubeConfig());
    const out: k8s.KubernetesObject[] = [];
    for (const spec of parseManifests(fixture(fixtureName))) {
      out.push(await client.patch(spec, undefined, undefined, 'n3x', true, k8s.PatchStrategy.ServerSideApply));
    }
    return out;
  }
}

/** The objects in a (multi-document) YAML manifest, parsed with the `yaml` package (pure; unit-tested). */
export function parseManifests(text: string): k8s.KubernetesObject[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length) throw new ConfigError('manifest', d.errors[0].message, 'fix the YAML');
    const o = d.toJS() as k8s.KubernetesObject | null;
    if (!o) return [];
    if (!o.apiVersion || !o.kind || !o.metadata?.name) throw new ConfigError('manifest', `a document lacks apiVersion, kind or metadata.name: ${JSON.stringify(o).slice(0, 120)}`, 'give every object apiVersion, kind and metadata.name');
    return [o];
  });
}

/** Reads a fixture's text (for tests that template manifests). */
export function fixture(name: string): string {
  return readFileSync(`${fixturesDir}${name}`, 'utf8');
}
