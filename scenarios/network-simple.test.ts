/** simple profile: one flat segment, eth1 untagged, on both network backends (bridge as root, and rootless vde). */
import { describe } from 'vitest';
import { useCluster } from '../harness/testing/vitest.js';
import { netemTests, partitionTests, reachabilityTests } from './lib/network-suite.js';

const backends = (process.env.N3X_NETWORK_BACKENDS ?? (process.getuid?.() === 0 ? 'bridge,vde' : 'vde')).split(',') as ('bridge' | 'vde')[];

describe.each(backends)('network-simple on %s', (network) => {
  describe.sequential('3 nodes', () => {
    const h = useCluster({ profile: 'simple', nodes: 3, network });
    reachabilityTests(h);
    partitionTests(h);
    netemTests(h);
  });
});
