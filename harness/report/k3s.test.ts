import { describe, expect, it } from 'vitest';
import { k3sTables } from './k3s.js';

describe('k3s tables', () => {
  it('reads readiness, roles, internal IP, phase, node and restarts from API objects', () => {
    const t = k3sTables(
      {
        items: [
          { metadata: { name: 'n100-1', labels: { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/etcd': 'true' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'Hostname', address: 'n100-1' }, { type: 'InternalIP', address: '192.168.200.1' }], nodeInfo: { kubeletVersion: 'v1.31.4+k3s1' } as never } },
          { metadata: { name: 'n100-3' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
        ],
      },
      { items: [{ metadata: { namespace: 'kube-system', name: 'coredns-1' }, spec: { nodeName: 'n100-1', containers: [] }, status: { phase: 'Running', podIP: '10.42.0.3', containerStatuses: [{ restartCount: 2 }, { restartCount: 1 }] as never } }] },
    );
    expect(t.nodes).toEqual([
      { name: 'n100-1', ready: true, roles: 'control-plane,etcd', internalIP: '192.168.200.1', version: 'v1.31.4+k3s1' },
      { name: 'n100-3', ready: false, roles: undefined, internalIP: undefined, version: undefined },
    ]);
    expect(t.pods).toEqual([{ namespace: 'kube-system', name: 'coredns-1', phase: 'Running', node: 'n100-1', ip: '10.42.0.3', restarts: 3 }]);
  });
});
