/** simple profile: one flat segment, eth1 untagged, on both network backends (bridge as root, and rootless vde). */
import { describe } from 'vitest';
import { describeAsRoot, useCluster } from '../harness/vitest.js';
import { netemTests, partitionTests, reachabilityTests } from './lib/network-suite.js';

const backends = (process.env.N3X_NETWORK_BACKENDS ?? 'bridge,vde').split(',') as ('bridge' | 'vde')[];
const bridge = describeAsRoot('the bridge backend');

for (const network of backends) {
  const d = network === 'bridge' ? bridge : { describe, title: (t: string) => t };
  d.describe(d.title(`network-simple on ${network}`), () => {
    describe.sequential('3 nodes', () => {
      const h = useCluster({ profile: 'simple', nodes: 3, network, snapshot: 'booted' });
      reachabilityTests(h, 'simple');
      partitionTests(h);
      netemTests(h);
    });
  });
}
