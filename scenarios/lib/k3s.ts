/**
 * k3s scenario glue: servers (HA embedded etcd) + agents on a profile. Where no k3s binary or no airgap images
 * are available the scenario is reported as skipped, with the reason and the fix in its title — never passed,
 * never faked; where k3s is required (N3X_REQUIRE_K3S=1) it fails instead.
 */
import { beforeAll, describe, it } from 'vitest';
import { K3S_API_PORT, type K3sRole, K3sCluster, k3sBinaryStatus, k3sScenarioGate, type K3sBinaryStatus, k3sLayer, K3S_LAYER_SERIAL, InfraError, type NodeSpec, type SnapshotSpec, type ProfileName, detectAccel, EMULATION_FACTOR, k3sBudget, type K3sBudget, VIP_PACKAGE, logger } from '../../harness/index.js';
import { useCluster, type ClusterHandle } from '../../harness/vitest.js';
import { K3S_PLANS, type K3sScenario } from './k3s-plans.js';
export { mixedArchK3sStatus } from '../../harness/index.js';

const log = logger('k3s');

/** The budget of a k3s scenario on this machine's accelerator (harness/k3s/budget.ts, plans in k3s-plans.ts). */
export function budgetFor(scenario: K3sScenario, o: { servers: number; aarch64Agents?: number }): K3sBudget {
  return k3sBudget(scenario, K3S_PLANS[scenario], { accel: detectAccel().accel, servers: o.servers, emulation: o.aarch64Agents ? EMULATION_FACTOR : 1, env: process.env });
}

export const k3s = k3sBinaryStatus();
/** The arm64 k3s for aarch64 (Jetson) agents: N3X_K3S_BINARY_ARM64 / N3X_K3S_AIRGAP_IMAGES_ARM64 or the k3s-arm64 cache. */
export const k3sArm64 = k3sBinaryStatus(process.env, 'arm64');

/** Root disk of a k3s node: k3s unpacks itself and the airgap images (several GiB) onto it. Sparse. */
export const K3S_ROOT_DISK_GIB = 16;

/** describe() for a k3s scenario: runs it when k3s (and, with pods, its airgap images) is there; else skips with the fix, or fails under N3X_REQUIRE_K3S=1. */
export function describeK3s(name: string, body: () => void, o: { pods?: boolean; status?: K3sBinaryStatus } = {}): void {
  const gate = k3sScenarioGate(o.status ?? k3s, { pods: o.pods ?? true });
  if (gate.run) {
    describe.sequential(name, body);
    return;
  }
  if ('fail' in gate) {
    describe(name, () => {
      it(`k3s is required here — ${gate.fail}`, () => {
        throw new InfraError(gate.fail, { hint: 'fetch k3s first (`npx n3x images fetch-k3s --airgap`), or unset N3X_REQUIRE_K3S' });
      });
    });
    return;
  }
  console.warn(`${name}: skipped — ${gate.skip}`);
  describe.skip(`${name} — skipped: ${gate.skip}`, () => {
    it('needs a k3s binary and its airgap images', () => undefined);
  });
}

export interface K3sHandle extends ClusterHandle {
  readonly k3s: K3sCluster;
}

export interface UseK3sOptions {
  /** The scenario's budget (budgetFor): formation deadlines, hook timeouts, stop-after. */
  budget: K3sBudget;
  /** What goes into the layer as /usr/local/bin/k3s (default: the real k3s binary found for this run). */
  binary?: K3sBinaryStatus;
  /** Roles, one per node n100-1…; default the user's topology: server, server, agent. */
  roles?: K3sRole[];
  /** Memory per server / agent (default 2048 / 1536 MiB). */
  serverMemoryMiB?: number;
  agentMemoryMiB?: number;
  snapshot?: string | SnapshotSpec;
  /** Emulated aarch64 agents (jetson-1 …) after the x86_64 nodes, each with the arm64 k3s layer (default 0). */
  aarch64Agents?: number;
  /** More image tarballs for the layer (k3s imports them from agent/images like its own), e.g. Longhorn's. */
  extraImages?: string[];
  /** HA: the port keepalived checks `/ping` on (K3sOptions.healthPort; default k3s's API port). */
  healthPort?: number;
}

/** The default topology, the user's: two servers (HA embedded etcd) and one agent. */
export const DEFAULT_ROLES: K3sRole[] = ['server', 'server', 'agent'];

/**
 * Boots the nodes on the profile and forms k3s in beforeAll, within the scenario's budget (its statement is the
 * run's first log line). Every server forwards its API port to the host; in HA the servers carry keepalived
 * for the registration VIP.
 */
export function useK3s(profile: ProfileName, o: UseK3sOptions): K3sHandle {
  const roles = o.roles ?? DEFAULT_ROLES;
  const bin = o.binary ?? k3s;
  const ha = roles.filter((r) => r === 'server').length > 1;
  const b = o.budget;
  const h = useCluster(async () => {
    log.info(b.line());
    return {
    profile,
    nodes: [
      ...roles.map((role, i): NodeSpec => ({
        name: `n100-${i + 1}`,
        role,
        memoryMiB: role === 'server' ? (o.serverMemoryMiB ?? 2048) : (o.agentMemoryMiB ?? 1536),
        cpus: role === 'server' ? 2 : 1,
        ...(role === 'server' ? { forwards: [{ guestPort: K3S_API_PORT }], ...(ha ? { packages: [VIP_PACKAGE] } : {}) } : {}),
      })),
      ...(await jetsonAgents(o.aarch64Agents ?? 0, o.agentMemoryMiB ?? 1536)),
    ],
    rootDiskGiB: K3S_ROOT_DISK_GIB,
    layers: [{ path: await k3sLayer(bin, o.extraImages), serial: K3S_LAYER_SERIAL }],
    units: ['k3s.service', 'n3x-k3s-route.service', 'opt-n3x-k3s.mount', ...(ha ? ['keepalived.service'] : [])],
    snapshot: o.snapshot,
    };
  }, { hookTimeout: b.hook, stopAfter: b.seconds });
  let kc: K3sCluster | undefined;
  beforeAll(async () => {
    kc = new K3sCluster(h.cluster, [...roles, ...Array.from({ length: o.aarch64Agents ?? 0 }, (): K3sRole => 'agent')], { version: bin.version, timeFactor: b.factor, healthPort: o.healthPort });
    await kc.start(b.formation);
  }, b.hook * 1000);
  return {
    get cluster() {
      return h.cluster;
    },
    m: h.m,
    get k3s() {
      if (!kc) throw new Error('k3s not started (see the beforeAll error above)');
      return kc;
    },
  };
}

/** aarch64 agent nodes jetson-1 … jetson-n, each with the arm64 k3s layer in place of the cluster's amd64 one. */
async function jetsonAgents(n: number, memoryMiB: number): Promise<NodeSpec[]> {
  if (!n) return [];
  const layer = [{ path: await k3sLayer(k3sArm64), serial: K3S_LAYER_SERIAL }];
  return Array.from({ length: n }, (_, i): NodeSpec => ({ name: `jetson-${i + 1}`, arch: 'aarch64', role: 'agent', memoryMiB, cpus: 1, layers: layer }));
}
