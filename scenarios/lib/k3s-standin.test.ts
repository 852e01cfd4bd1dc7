import { describe, expect, it } from 'vitest';
import { rehearsalPlan } from './k3s-standin.js';

describe('rehearsalPlan', () => {
  const all = ['vlans', 'simple', 'bonding-vlans'];
  it('the first profile gets the HA part, the others the small cluster (N3X_REHEARSAL_HA unset, empty or 1)', () => {
    for (const env of [{}, { N3X_REHEARSAL_HA: '' }, { N3X_REHEARSAL_HA: '1' }]) {
      expect(rehearsalPlan(all, { env }).map(([, k]) => k)).toEqual(['HA, cold', '1 server + 1 agent, restored', '1 server + 1 agent, restored']);
    }
  });
  it('N3X_REHEARSAL_HA=0: every profile gets the small cluster', () => {
    expect(rehearsalPlan(all, { env: { N3X_REHEARSAL_HA: '0' } }).every(([, k]) => k === '1 server + 1 agent, restored')).toBe(true);
  });
});
