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
import { firstServer, K3S_API_PORT, k3sArgs, k3sPrepareScript, k3sUnit, startOrder, type K3sNode, type K3sOptions, type K3sRole } from './config.js';
import { rewriteKubeconfig } from './kubeconfig.js';
import { installFromLayerScript } from './layer.js';

const log = logger('k3s');
const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const K3S_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';

/** Options of every wait: a deadline in seconds and the signal that ends it early (Vitest's test `signal`). */
export interface WaitOpts {
  timeout?: number;
  signal?: AbortSignal;
}

/** Node is Ready=True (pure). */
export function nodeReady(n: k8s.V1Node): boolean {
  return !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** One API call as a retry attempt: errors and calls slower than `ms` are NotYet; the signal ends it at once. */
async function attempt<T>(call: () => Promise<T>, signal?: AbortSignal, ms = 20_000): Promise<T> {
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      call().catch((e: Error) => {
        throw new NotYet(`API: ${e.message.split('\n')[0]}`);
      }),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new NotYet(`API call took over ${ms / 1000} s`)), ms);
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

export class K3sCluster {
  readonly nodes: K3sNode[];
  private kc?: k8s.KubeConfig;

  constructor(readonly cluster: Cluster, roles: K3sRole[], private readonly opts: K3sOptions = {}) {
    if (roles.length !== cluster.machines.length) throw new ConfigError('roles', `${roles.length} roles for ${cluster.machines.length} machines`, 'give one role per node');
    this.nodes = cluster.machines.map((m, i) => ({ name: m.name, index: i + 1, role: roles[i] }));
  }

  /** The first server (cluster-init, kubeconfig source). */
  get first(): Machine {
    return this.cluster.machine(firstServer(this.nodes).name);
  }

  /**
   * Installs k3s on every node (layer mount, binary, modules, sysctls, route, 0600 token file, all persistent),
   * then starts the units in order: the first server until its API answers from the host, each other server
   * until it is registered, then the agents.
   */
  async start(o: WaitOpts = {}): Promise<void> {
    const timeout = o.timeout ?? 600;
    const token = randomBytes(24).toString('hex');
    await Promise.all(this.cluster.machines.map((m) => m.succeed(installFromLayerScript(), k3sPrepareScript(this.cluster.profile, token))));
    const order = startOrder(this.nodes);
    const t0 = Date.now();
    await this.startUnit(order.first);
    await this.waitApi({ timeout, signal: o.signal });
    log.info(`first server ${order.first.name} answers in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    for (const s of order.servers) {
      await this.startUnit(s);
      await this.waitNodes({ timeout, signal: o.signal, names: [s.name], ready: false });
    }
    await Promise.all(order.agents.map((a) => this.startUnit(a)));
  }

  private async startUnit(n: K3sNode): Promise<void> {
    const unit = k3sUnit(k3sArgs(this.cluster.profile, n, this.nodes, this.opts));
    await this.cluster.machine(n.name).succeed(`cat > /etc/systemd/system/k3s.service <<'EOF'\n${unit}EOF`, 'systemctl daemon-reload', 'systemctl enable k3s.service', 'systemctl start --no-block k3s.service', 'sync');
  }

  /** kubectl on the first server (the guest's own kubeconfig): only for what the API cannot show (exec, logs). */
  kubectl(args: string): Promise<string> {
    return this.first.succeed(`k3s kubectl ${args}`);
  }

  /** A client-side KubeConfig that reaches the API via the host's 127.0.0.1 forward of the first server. */
  async kubeConfig(): Promise<k8s.KubeConfig> {
    if (this.kc) return this.kc;
    const text = await this.first.succeed(`cat ${K3S_KUBECONFIG}`);
    this.kc = rewriteKubeconfig(text, this.first.hostPort(K3S_API_PORT), `n3x-${this.cluster.id}`);
    return this.kc;
  }

  /** GET a raw API path from the host with the kubeconfig's client certificate (e.g. /readyz). */
  async get(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    const kc = await this.kubeConfig();
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

  async core(): Promise<k8s.CoreV1Api> {
    return (await this.kubeConfig()).makeApiClient(k8s.CoreV1Api);
  }

  async apps(): Promise<k8s.AppsV1Api> {
    return (await this.kubeConfig()).makeApiClient(k8s.AppsV1Api);
  }

  /** Waits until the kubeconfig exists on the first server and /readyz answers `ok` from the host. */
  async waitApi(o: WaitOpts = {}): Promise<void> {
    await retryUntil(async () => {
      if (!this.kc) {
        const r = await this.first.execute(`cat ${K3S_KUBECONFIG}`, { timeout: 30 });
        if (r.status !== 0) {
          const unit = await this.first.execute('echo "k3s.service $(systemctl is-active k3s.service)"; journalctl _SYSTEMD_UNIT=k3s.service -n 1 -o cat --no-pager', { timeout: 30 });
          throw new NotYet(`${K3S_KUBECONFIG} not written yet on ${this.first.name} (${unit.stdout.trim().replace(/\n/g, '; last log: ')})`);
        }
        await this.kubeConfig();
      }
      const r = await attempt(() => this.get('/readyz', o.signal), o.signal);
      if (r.status !== 200 || r.body.trim() !== 'ok') throw new NotYet(`/readyz: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    }, { timeout: o.timeout ?? 600, what: `the k3s API of ${this.first.name} from the host`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until the named nodes (default: all) are registered and, unless ready: false, Ready. */
  async waitNodes(o: WaitOpts & { names?: string[]; ready?: boolean } = {}): Promise<k8s.V1Node[]> {
    const api = await this.core();
    const names = o.names ?? this.nodes.map((n) => n.name);
    return retryUntil(async () => {
      const list = await attempt(() => api.listNode(), o.signal);
      const want = list.items.filter((n) => names.includes(n.metadata?.name ?? ''));
      const ok = want.filter((n) => o.ready === false || nodeReady(n));
      if (ok.length < names.length) throw new NotYet(`${ok.length}/${names.length} nodes ${o.ready === false ? 'registered' : 'Ready'} (${names.join(', ')})`);
      return list.items;
    }, { timeout: o.timeout ?? 600, what: `k3s nodes ${o.ready === false ? 'registered' : 'Ready'}: ${names.join(', ')}`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until every node is registered and Ready. */
  waitNodesReady(o: WaitOpts = {}): Promise<k8s.V1Node[]> {
    return this.waitNodes(o);
  }

  /** Waits until a node reports Ready=False/Unknown (e.g. after a crash; takes the 40 s node-monitor grace). */
  async waitNodeNotReady(name: string, o: WaitOpts = {}): Promise<k8s.V1Node> {
    const api = await this.core();
    return retryUntil(async () => {
      const n = await attempt(() => api.readNode({ name }), o.signal);
      if (nodeReady(n)) throw new NotYet(`${name} still Ready`);
      return n;
    }, { timeout: o.timeout ?? 300, what: `node ${name} NotReady`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until pods matching the selector exist (at least `min`) and are all Running and ready. */
  async waitPodsReady(namespace: string, labelSelector: string, o: WaitOpts & { min?: number } = {}): Promise<k8s.V1Pod[]> {
    const api = await this.core();
    return retryUntil(async () => {
      const pods = (await attempt(() => api.listNamespacedPod({ namespace, labelSelector }), o.signal)).items;
      const ok = pods.filter((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready));
      if (pods.length < (o.min ?? 1) || ok.length < pods.length) throw new NotYet(`${ok.length}/${pods.length} pods ready for ${labelSelector} in ${namespace}`);
      return pods;
    }, { timeout: o.timeout ?? 600, what: `pods ${labelSelector} in ${namespace}`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until the PVCs matching the selector (at least `min`) are Bound. */
  async waitPvcsBound(namespace: string, labelSelector: string | undefined, o: WaitOpts & { min?: number } = {}): Promise<k8s.V1PersistentVolumeClaim[]> {
    const api = await this.core();
    return retryUntil(async () => {
      const pvcs = (await attempt(() => api.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }), o.signal)).items;
      const bound = pvcs.filter((p) => p.status?.phase === 'Bound');
      if (pvcs.length < (o.min ?? 1) || bound.length < pvcs.length) throw new NotYet(`${bound.length}/${pvcs.length} PVCs Bound (${labelSelector ?? 'all'} in ${namespace})`);
      return pvcs;
    }, { timeout: o.timeout ?? 600, what: `PVCs ${labelSelector ?? ''} Bound in ${namespace}`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until a DaemonSet has a ready pod on every node it should run on. */
  async waitDaemonSetReady(namespace: string, name: string, o: WaitOpts = {}): Promise<k8s.V1DaemonSet> {
    const api = await this.apps();
    return retryUntil(async () => {
      const ds = await attempt(() => api.readNamespacedDaemonSet({ namespace, name }), o.signal);
      const s = ds.status;
      if (!s || !s.desiredNumberScheduled || s.numberReady < s.desiredNumberScheduled) throw new NotYet(`DaemonSet ${name}: ${s?.numberReady ?? 0}/${s?.desiredNumberScheduled ?? '?'} ready`);
      return ds;
    }, { timeout: o.timeout ?? 600, what: `DaemonSet ${namespace}/${name} ready`, interval: 2, maxInterval: 5, signal: o.signal });
  }

  /** Waits until a StatefulSet has all its replicas ready. */
  async waitStatefulSetReady(namespace: string, name: string, o: WaitOpts = {}): Promise<k8s.V1StatefulSet> {
    const api = await this.apps();
    return retryUntil(async () => {
      const ss = await attempt(() => api.readNamespacedStatefulSet({ namespace, name }), o.signal);
      const want = ss.spec?.replicas ?? 1;
      if ((ss.status?.readyReplicas ?? 0) < want) throw new NotYet(`StatefulSet ${name}: ${ss.status?.readyReplicas ?? 0}/${want} ready`);
      return ss;
    }, { timeout: o.timeout ?? 900, what: `StatefulSet ${namespace}/${name} ready`, interval: 2, maxInterval: 5, signal: o.signal });
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
