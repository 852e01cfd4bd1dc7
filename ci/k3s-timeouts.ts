/**
 * The job timeouts the k3s scenarios need in CI: each scenario's KVM budget (harness/k3s/budget.ts over its plan in
 * scenarios/lib/k3s-plans.ts, with the servers its budgetFor(…) call names) plus the job's own set-up, in minutes.
 * A CI job that stops before the budget would cut a scenario off before its own deadlines can say what hung.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { k3sBudget, type K3sPlan } from '../harness/k3s/budget.js';
import { EMULATION_FACTOR } from '../harness/qemu/arch.js';
import { K3S_PLANS } from '../scenarios/lib/k3s-plans.js';

/** Minutes a scenario job spends outside the scenario: runner set-up, npm ci, host packages, image and k3s restores, the report. */
export const SETUP_MINUTES = 15;

/** The budgetFor(…) call of a scenario file: its servers and aarch64 agents, or undefined without one (pure). */
export function budgetCall(source: string): { scenario: string; servers: number; aarch64Agents: number } | undefined {
  const m = /\bbudgetFor\('([\w-]+)', \{([^}]*)\}\)/.exec(source);
  if (!m) return undefined;
  const num = (key: string) => Number(new RegExp(`\\b${key}: (\\d+)`).exec(m[2])?.[1] ?? 0);
  return { scenario: m[1], servers: num('servers'), aarch64Agents: num('aarch64Agents') };
}

/** Each k3s scenario's KVM budget in seconds, read from its file's budgetFor(…) call. */
export function k3sKvmBudgets(dir = fileURLToPath(new URL('../scenarios/', import.meta.url))): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, plan] of Object.entries(K3S_PLANS) as [string, K3sPlan][]) {
    const call = budgetCall(readFileSync(`${dir}${name}.test.ts`, 'utf8'));
    if (!call || call.scenario !== name) throw new Error(`scenarios/${name}.test.ts has no budgetFor('${name}', { servers: N }) call`);
    out[name] = k3sBudget(name, plan, { accel: 'kvm', servers: call.servers, emulation: call.aarch64Agents ? EMULATION_FACTOR : 1, env: {} }).seconds;
  }
  return out;
}

/** The job timeout, in minutes, that covers a KVM budget and the job's set-up. */
export function jobMinutes(budgetSeconds: number): number {
  return Math.ceil(budgetSeconds / 60) + SETUP_MINUTES;
}
