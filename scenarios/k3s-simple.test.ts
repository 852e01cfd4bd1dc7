/** k3s-simple: 2 servers (HA embedded etcd) + 1 agent on the simple profile; formation, addresses, system pods, a workload. */
import { describeK3s, useK3s } from './lib/k3s.js';
import { formationTests } from './lib/k3s-formation.js';

describeK3s('k3s-simple', () => {
  const h = useK3s('simple');
  formationTests(h);
});
