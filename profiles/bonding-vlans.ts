import type { NetworkProfile } from '../harness/network/profile.js';

/** Two NICs on the trunk bonded (active-backup) into bond0, with VLAN 200 and 100 on bond0. */
export const bondingVlans: NetworkProfile = {
  name: 'bonding-vlans',
  description: 'bond0 (active-backup over eth1+eth2) with VLAN 200 cluster and VLAN 100 storage on top',
  segments: ['trunk'],
  nics: ['trunk', 'trunk'],
  bond: { name: 'bond0', mode: 'active-backup', miimonMs: 100, slaves: ['eth1', 'eth2'] },
  networks: {
    cluster: { parent: 'bond0', vlan: 200, prefix: '192.168.200' },
    storage: { parent: 'bond0', vlan: 100, prefix: '192.168.100' },
  },
};
