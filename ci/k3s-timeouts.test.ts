import { describe, expect, it } from 'vitest';
import { budgetCall, jobMinutes, k3sKvmBudgets, SETUP_MINUTES } from './k3s-timeouts.js';

describe('k3s job timeouts from the KVM budgets', () => {
  it("reads a scenario file's budgetFor call: servers and aarch64 agents", () => {
    expect(budgetCall("const budget = budgetFor('k3s-ha', { servers: 3 });")).toEqual({ scenario: 'k3s-ha', servers: 3, aarch64Agents: 0 });
    expect(budgetCall("budgetFor('mixed-arch-k3s', { servers: 2, aarch64Agents: 1 })")).toEqual({ scenario: 'mixed-arch-k3s', servers: 2, aarch64Agents: 1 });
    expect(budgetCall('useCluster({})')).toBeUndefined();
  });

  it('every planned k3s scenario has a KVM budget; HA with 3 servers costs more than the same plan with 2; minutes round up and add set-up', () => {
    const b = k3sKvmBudgets();
    expect(Object.keys(b).sort()).toEqual(['k3s-bonding-vlans', 'k3s-ha', 'k3s-longhorn', 'k3s-network', 'k3s-network-constraints', 'k3s-rehearsal', 'k3s-simple', 'k3s-storage', 'k3s-vlans', 'mixed-arch-k3s']);
    for (const s of Object.values(b)) expect(s).toBeGreaterThan(0);
    expect(jobMinutes(3601)).toBe(61 + SETUP_MINUTES);
    expect(jobMinutes(3600)).toBe(60 + SETUP_MINUTES);
  });
});
