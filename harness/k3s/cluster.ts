/**
 * k3s on a Cluster: install from the layer, start the first server, join the rest, fetch a kubeconfig that
 * reaches the API through a 127.0.0.1 port forward, and wait with @kubernetes/client-node from the host.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../cluster/cluster.js';
import { ConfigError } from '../errors.js';
import type { Machine } from '../machine/machine.js';
import { NotYet, retryUntil } from '../retry.js';
import { logger } from '../log.js';
import { firstServer, K3S_API_PORT, k3sArgs, k3sPrepareScript, k3sUnit, type K3sNode, type K3sOptions, type K3sRole } from './config.js';
import { rewriteKubeconfig } from './kubeconfig.js';
import { installFromLayerScript } from './layer.js';

const log = logger('k3s');
const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));

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

  /** Installs k3s on every node, starts the first server, then the others; waits for the API. */
  async start(timeoutS = 600): Promise<void> {
    const token = randomBytes(24).toString('hex');
    await Promise.all(this.cluster.machines.map((m) => m.succeed(installFromLayerScript(), k3sPrepareScript(this.cluster.profile, token))));
    const startNode = async (n: K3sNode) => {
      const m = this.cluster.machine(n.name);
      const unit = k3sUnit(k3sArgs(this.cluster.profile, n, this.nodes, this.opts));
      await m.succeed(`cat > /etc/systemd/system/k3s.service <<'EOF'\n${unit}EOF`, 'systemctl daemon-reload', 'systemctl start --no-block k3s.service');
    };
    const t0 = Date.now();
    await startNode(firstServer(this.nodes));
    await this.first.waitUntilSucceeds('k3s kubectl get --raw /readyz', { timeout: timeoutS });
    log.info(`first server ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await Promise.all(this.nodes.filter((n) => n.name !== this.first.name).map(startNode));
  }

  /** kubectl on the first server (the guest's own kubeconfig). */
  kubectl(args: string): Promise<string> {
    return this.first.succeed(`k3s kubectl ${args}`);
  }

  /** Applies a manifest from fixtures/ (copied into the first server). */
  async apply(fixture: string): Promise<void> {
    const dst = `/root/fixtures/${fixture}`;
    await this.first.copyFromHost(`${fixturesDir}${fixture}`, dst);
    await this.first.succeed(`k3s kubectl apply -f ${dst}`);
  }

  /** A client-side KubeConfig that reaches the API via the host's 127.0.0.1 forward of the first server. */
  async kubeConfig(): Promise<k8s.KubeConfig> {
    if (this.kc) return this.kc;
    const yaml = await this.first.succeed('cat /etc/rancher/k3s/k3s.yaml');
    const kc = new k8s.KubeConfig();
    kc.loadFromString(rewriteKubeconfig(yaml, this.first.hostPort(K3S_API_PORT), `n3x-${this.cluster.id}`));
    this.kc = kc;
    return kc;
  }

  async core(): Promise<k8s.CoreV1Api> {
    return (await this.kubeConfig()).makeApiClient(k8s.CoreV1Api);
  }

  /** Waits until every node is registered and Ready. */
  async waitNodesReady(timeoutS = 600): Promise<k8s.V1Node[]> {
    const api = await this.core();
    return retryUntil(async () => {
      const list = await api.listNode().catch((e: Error) => {
        throw new NotYet(`API not answering: ${e.message}`);
      });
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (list.items.length < this.nodes.length || ready.length < this.nodes.length) throw new NotYet(`${ready.length}/${this.nodes.length} nodes Ready`);
      return list.items;
    }, { timeoutMs: timeoutS * 1000, what: 'all k3s nodes Ready', intervalMs: 2000, maxIntervalMs: 5000 });
  }

  /** Waits until pods matching the selector exist and are all Running and ready. */
  async waitPodsReady(namespace: string, labelSelector: string, opts: { min?: number; timeoutS?: number } = {}): Promise<k8s.V1Pod[]> {
    const api = await this.core();
    return retryUntil(async () => {
      const pods = (await api.listNamespacedPod({ namespace, labelSelector }).catch((e: Error) => {
        throw new NotYet(e.message);
      })).items;
      const ok = pods.filter((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready));
      if (pods.length < (opts.min ?? 1) || ok.length < pods.length) throw new NotYet(`${ok.length}/${pods.length} pods ready for ${labelSelector} in ${namespace}`);
      return pods;
    }, { timeoutMs: (opts.timeoutS ?? 600) * 1000, what: `pods ${labelSelector} in ${namespace}`, intervalMs: 2000, maxIntervalMs: 5000 });
  }
}

/** Reads a fixture's text (for tests that template manifests). */
export function fixture(name: string): string {
  return readFileSync(`${fixturesDir}${name}`, 'utf8');
}
