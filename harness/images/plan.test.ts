import { describe, expect, it } from 'vitest';
import { imageName } from './recipe.js';
import { VIP_PACKAGE } from '../k3s/vip.js';
import { allScenarioNeeds, imagePlan, K3S_HA_PACKAGES, recipeOf, scenarioNeeds } from './plan.js';

describe('images plan: what the scenario files need, without building', () => {
  it('reads each pattern: aarch64 nodes, package lists, the trixie-grub recipe, k3s and its arm64 agents, the report browser', () => {
    const n = scenarioNeeds('x', `useCluster({ nodes: [{ name: 'j', arch: 'aarch64' }, { name: 'p', packages: ['nfs-common', 'keepalived'] }] }); trixieGrubRecipe; import { chromium } from 'playwright-core';`);
    expect(n.images.map((r) => [r.name, r.arch ?? 'x86_64', r.packages ?? []])).toEqual([
      ['debian', 'x86_64', []],
      ['debian', 'aarch64', []],
      ['debian', 'x86_64', ['keepalived', 'nfs-common']],
      ['trixie-grub', 'x86_64', []],
    ]);
    expect(n.hostNeeds).toEqual(['aarch64', 'byo', 'report']);
    expect(scenarioNeeds('k', "describeK3s('k', () => { useK3s('vlans'); });").k3s).toEqual(['amd64']);
    expect(scenarioNeeds('m', "describeK3s('m', () => { useK3s('vlans', { aarch64Agents: 1 }); });")).toMatchObject({ k3s: ['amd64', 'arm64'], hostNeeds: ['aarch64'] });
    expect(scenarioNeeds('r', "useK3s('vlans'); // a stand-in, no describeK3s").k3s).toEqual([]);
  });

  it("useK3s: HA servers (the default two, or a roles list naming more than one server) need the VIP package's image; one server does not", () => {
    expect(K3S_HA_PACKAGES).toEqual([VIP_PACKAGE]);
    const vip = (src: string) => scenarioNeeds('k', src).images.some((r) => r.packages?.join() === VIP_PACKAGE);
    expect(vip("describeK3s('k', () => { useK3s('vlans', { budget }); });")).toBe(true);
    expect(vip("useK3s('vlans', { roles: ['server', 'server', 'server', 'agent'] });")).toBe(true);
    expect(vip("const ROLES = ['server', 'server', 'agent'] as const; useK3s('vlans', { roles: [...ROLES] });")).toBe(true);
    expect(vip("useK3s('simple', { roles: ['server', 'agent', 'agent'] });")).toBe(false);
    expect(vip("useCluster({ nodes: [] }); // no k3s")).toBe(false);
  });

  it("every scenario's images are in the plan, each image once, with its recipe hash", () => {
    const needs = allScenarioNeeds();
    const plan = imagePlan(needs);
    expect(new Set(plan.map((p) => p.name)).size).toBe(plan.length);
    for (const n of needs) for (const r of n.images) expect(plan.find((p) => p.name === imageName(r))?.scenarios, `${n.scenario}: ${imageName(r)}`).toContain(n.scenario);
    for (const p of plan) expect(imageName(recipeOf(p))).toBe(p.name);
    for (const p of plan) expect(p.name.endsWith(`-${p.hash}`)).toBe(true);
  });

  it('the scenarios on disk today: base x86_64 and arm64, the derived sets of shared-dir, the nixpkgs ports and the k3s HA servers, trixie-grub', () => {
    const plan = imagePlan();
    expect(plan.map((p) => `${p.recipe}/${p.arch}/${p.packages.join('+')}`).sort()).toEqual([
      'debian/aarch64/', 'debian/x86_64/', 'debian/x86_64/apache2+vsftpd', 'debian/x86_64/keepalived', 'debian/x86_64/nfs-common', 'debian/x86_64/nfs-kernel-server', 'debian/x86_64/wireguard-tools', 'trixie-grub/x86_64/',
    ]);
    const k3sHa = ['k3s-bonding-vlans', 'k3s-ha', 'k3s-longhorn', 'k3s-network-constraints', 'k3s-network', 'k3s-rehearsal', 'k3s-simple', 'k3s-storage', 'k3s-vlans', 'mixed-arch-k3s'];
    expect(plan.find((p) => p.packages.join() === 'keepalived')?.scenarios).toEqual([...k3sHa, 'nixpkgs/keepalived', 'shared-dir']);
  });
});
