import type { NetworkProfile } from '../harness/network/profile.js';

/** One flat segment; eth1 per node, 192.168.1.x/24. */
export const simple: NetworkProfile = {
  name: 'simple',
  description: 'one flat segment, eth1 untagged, 192.168.1.x/24',
  segments: ['lan'],
  nics: ['lan'],
  networks: { cluster: { parent: 'eth1', prefix: '192.168.1' } },
};
