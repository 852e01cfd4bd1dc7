/** k3s-bonding-vlans: 2 servers (HA embedded etcd) + 1 agent on the bonding-vlans profile; formation, addresses, system pods, full-size frames, a workload. */
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';
import { formationTests } from './lib/k3s-formation.js';

const budget = budgetFor('k3s-bonding-vlans', { servers: 2 });

describeK3s('k3s-bonding-vlans', () => {
  const h = useK3s('bonding-vlans', { budget });
  formationTests(h, budget);
});
