/**
 * k3s scenario glue: 2 servers (HA embedded etcd) + 1 agent on a profile. Where no k3s binary is available the
 * scenario is reported as skipped, with the reason and the fix in its title — never passed, never faked.
 */
import { beforeAll, describe, it } from 'vitest';
import { K3S_API_PORT } from '../../harness/k3s/config.js';
import { K3sCluster } from '../../harness/k3s/cluster.js';
import { k3sBinaryStatus } from '../../harness/k3s/binary.js';
import { k3sLayer, K3S_LAYER_SERIAL } from '../../harness/k3s/layer.js';
import { useCluster, type ClusterHandle } from '../../harness/testing/vitest.js';
import type { ProfileName } from '../../profiles/index.js';

export const k3s = k3sBinaryStatus();

/** describe() for a k3s scenario: runs it when k3s is available, else one visible skipped entry with the reason. */
export function describeK3s(name: string, body: () => void): void {
  if (k3s.available) {
    describe.sequential(name, body);
    return;
  }
  console.warn(`${name}: skipped — ${k3s.reason}`);
  describe.skip(`${name} — skipped: ${k3s.reason}`, () => {
    it('needs a k3s binary', () => undefined);
  });
}

export interface K3sHandle extends ClusterHandle {
  readonly k3s: K3sCluster;
}

/** Boots n100-1 (server, cluster-init), n100-2 (server), n100-3 (agent) on the profile and forms k3s. */
export function useK3s(profile: ProfileName): K3sHandle {
  const h = useCluster(async () => ({
    profile,
    nodes: [
      { name: 'n100-1', role: 'server', memoryMiB: 2048, cpus: 2, forwards: [{ guestPort: K3S_API_PORT }] },
      { name: 'n100-2', role: 'server', memoryMiB: 2048, cpus: 2 },
      { name: 'n100-3', role: 'agent', memoryMiB: 1536, cpus: 1 },
    ],
    layers: [{ path: await k3sLayer(k3s), serial: K3S_LAYER_SERIAL }],
    units: ['k3s.service'],
  }));
  let kc: K3sCluster | undefined;
  beforeAll(async () => {
    kc = new K3sCluster(h.cluster, ['server', 'server', 'agent']);
    await kc.start();
  });
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
