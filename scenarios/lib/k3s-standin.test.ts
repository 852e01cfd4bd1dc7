import { describe, expect, it } from 'vitest';
import { rehearsalPlan } from './k3s-standin.js';

describe('rehearsalPlan', () => {
  const all = ['vlans', 'simple', 'bonding-vlans'];
  it('under KVM the first profile gets the HA part, the others the small cluster', () => {
    expect(rehearsalPlan(all, { accel: 'kvm', env: {} }).map(([, k]) => k)).toEqual(['HA, cold', '1 server + 1 agent, restored', '1 server + 1 agent, restored']);
  });
  it('under TCG every profile gets the small cluster unless N3X_REHEARSAL_HA=1; N3X_REHEARSAL_HA=0 turns HA off under KVM', () => {
    expect(rehearsalPlan(all, { accel: 'tcg', env: {} }).every(([, k]) => k === '1 server + 1 agent, restored')).toBe(true);
    expect(rehearsalPlan(all, { accel: 'tcg', env: { N3X_REHEARSAL_HA: '1' } })[0]).toEqual(['vlans', 'HA, cold']);
    expect(rehearsalPlan(all, { accel: 'kvm', env: { N3X_REHEARSAL_HA: '0' } })[0][1]).toBe('1 server + 1 agent, restored');
  });
});
