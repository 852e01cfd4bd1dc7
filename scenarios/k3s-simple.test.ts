/** k3s-simple: 2 servers (HA embedded etcd) + 1 agent on the simple profile; formation, addresses, system pods, full-size frames, a workload. */
import { budgetFor, describeK3s, useK3s } from './lib/k3s.js';
import { formationTests } from './lib/k3s-formation.js';

const budget = budgetFor('k3s-simple', { servers: 2 });

describeK3s('k3s-simple', () => {
  const h = useK3s('simple', { budget });
  formationTests(h, budget);
});
