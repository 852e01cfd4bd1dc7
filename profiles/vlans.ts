import type { NetworkProfile } from '../harness/network/profile.js';

/** One trunk; eth1 tagged: VLAN 200 cluster 192.168.200.x/24, VLAN 100 storage 192.168.100.x/24. */
export const vlans: NetworkProfile = {
  name: 'vlans',
  description: '802.1Q trunk on eth1: VLAN 200 cluster (192.168.200.x), VLAN 100 storage (192.168.100.x)',
  segments: ['trunk'],
  nics: ['trunk'],
  networks: {
    cluster: { parent: 'eth1', vlan: 200, prefix: '192.168.200' },
    storage: { parent: 'eth1', vlan: 100, prefix: '192.168.100' },
  },
};
