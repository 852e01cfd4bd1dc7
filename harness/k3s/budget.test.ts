import { describe, expect, it } from 'vitest';
import type { Accel } from '../accel.js';
import { K3S_PLANS } from '../../scenarios/lib/k3s-plans.js';
import { k3sBudget, k3sTimeFactor, K3S_TCG_FACTOR, type K3sPlan } from './budget.js';

const ACCELS: Accel[] = ['kvm', 'tcg'];
const serversOf = (name: string) => (name === 'k3s-ha' || name === 'k3s-rehearsal' ? 3 : 2);

describe('k3s budgets: every wait ends before the Vitest timeout around it, for every accelerator', () => {
  for (const accel of ACCELS) {
    for (const [name, plan] of Object.entries(K3S_PLANS) as [string, K3sPlan][]) {
      it(`${name} under ${accel}: each test's waits, one after another, end before its timeout; the hooks cover the formation; stop-after comes after everything`, () => {
        const b = k3sBudget(name, plan, { accel, servers: serversOf(name), emulation: name === 'mixed-arch-k3s' ? 1.5 : 1 });
        let all = 0;
        for (const [t, waits] of Object.entries(plan.tests)) {
          const sum = Object.entries(waits).reduce((s, [w, spec]) => s + b.wait(t, w) * (typeof spec === 'number' ? 1 : spec.times), 0);
          expect(sum).toBe(b.waitSum(t));
          expect(sum * 1000, `${t}: waits ${sum} s`).toBeLessThan(b.vitestTimeout(t));
          all += (b.vitestTimeout(t) / 1000) * (plan.repeat?.[t] ?? 1);
        }
        const formation = b.formation.firstServer + b.formation.vip + (serversOf(name) - 1) * b.formation.perServer;
        expect(formation).toBeLessThan(b.hook);
        expect(b.seconds).toBeGreaterThan(2 * b.hook + all);
      });
    }
  }

  it('TCG scales every deadline by the measured factor; KVM is the plan', () => {
    const plan = K3S_PLANS['k3s-vlans'];
    const kvm = k3sBudget('k3s-vlans', plan, { accel: 'kvm', servers: 2 });
    const tcg = k3sBudget('k3s-vlans', plan, { accel: 'tcg', servers: 2 });
    expect(kvm.wait('ready', 'nodesReady')).toBe(300);
    expect(tcg.wait('ready', 'nodesReady')).toBe(300 * K3S_TCG_FACTOR);
    expect(tcg.formation.firstServer).toBe(plan.firstServer * K3S_TCG_FACTOR);
    expect(tcg.line()).toMatch(/^k3s budget for k3s-vlans under TCG: \d+ s in all \(×9 the KVM plan/);
  });

  it('a wait the plan lacks is refused (its time would not be in the test timeout)', () => {
    const b = k3sBudget('k3s-vlans', K3S_PLANS['k3s-vlans'], { accel: 'kvm', servers: 2 });
    expect(() => b.wait('ready', 'coffee')).toThrow(/plans no wait 'coffee'/);
    expect(() => b.vitestTimeout('nope')).toThrow(/has no test 'nope'/);
  });

  it('N3X_K3S_TIME_FACTOR overrides the factor; a foreign guest multiplies it; nonsense is refused', () => {
    expect(k3sTimeFactor('tcg', { env: {} })).toBe(K3S_TCG_FACTOR);
    expect(k3sTimeFactor('kvm', { env: {} })).toBe(1);
    expect(k3sTimeFactor('tcg', { env: { N3X_K3S_TIME_FACTOR: '12' } })).toBe(12);
    expect(k3sTimeFactor('kvm', { emulation: 2, env: {} })).toBe(2);
    expect(() => k3sTimeFactor('tcg', { env: { N3X_K3S_TIME_FACTOR: '0.5' } })).toThrow(/N3X_K3S_TIME_FACTOR/);
  });
});

describe("the README's budget table is what the plans give", () => {
  it('every row: KVM total (hooks) and TCG total (hooks) for each scenario it names', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| ((?:`k3s-[\w-]+`|`mixed-arch-k3s`)(?:, `[\w-]+`)*)(?: \(per profile\))? \| (\d+) s \((\d+) s\) \| (\d+) s \((\d+) s\) \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const seen = new Set<string>();
    for (const r of rows) {
      for (const name of r[1].split(', ').map((x) => x.replace(/`/g, ''))) {
        const plan = (K3S_PLANS as Record<string, K3sPlan>)[name];
        expect(plan, name).toBeDefined();
        const servers = serversOf(name);
        const kvm = k3sBudget(name, plan, { accel: 'kvm', servers, env: {} });
        const tcg = k3sBudget(name, plan, { accel: 'tcg', servers, env: {} });
        expect([kvm.seconds, kvm.hook, tcg.seconds, tcg.hook], name).toEqual([+r[2], +r[3], +r[4], +r[5]]);
        seen.add(name);
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(K3S_PLANS).sort());
  });
});

describe('every test of a k3s scenario file takes its Vitest timeout from the budget', () => {
  it('each it( in a file that calls useK3s (and in lib/k3s-formation.ts) ends with b.vitestTimeout(…)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../scenarios/', import.meta.url);
    const files = [...readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => `${f}`), 'lib/k3s-formation.ts'];
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      if (!/useK3s\(|formationTests\(h/.test(text) || f === 'k3s-simple.test.ts') continue;
      const its = text.split(/\n\s*(?:it|test)\(/).slice(1);
      for (const body of its) {
        expect(body, `${f}: "${body.slice(0, 60)}" closes without b.vitestTimeout(…)`).toMatch(/\n {2,4}\}, b\.vitestTimeout\('\w+'\)\);(?=\n|$)/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });
});
