/**
 * The k3s time budget of a scenario: every wait a k3s scenario makes, every Vitest test and hook timeout around
 * those waits, and useCluster's stop-after, derived from one plan in KVM seconds and the accelerator's factor,
 * so that the harness's own timeout (with the last state it saw) always fires before Vitest's "Test timed out".
 * Pure; unit-tested for every accelerator.
 */
import type { Accel } from '../accel.js';
import { ConfigError } from '../errors.js';

/**
 * How much longer k3s takes under TCG than under KVM. Measured on the reference host (2 shared cores, QEMU 7.2)
 * with QEMU's TCG translator in user mode against the same binary run natively: a static Go binary's start
 * (`docker --help`, 20 runs) 15.0 s against 1.63 s (9.2×); gzip -1 of 64 MiB 7.4 s against 2.2 s (3.3×);
 * CPython hashing 5.2 s against 1.4 s (3.6×). k3s is Go (apiserver, etcd, containerd, kubelet in one process),
 * so its Go figure, rounded to 9, is the factor; system-mode TCG also emulates the MMU, which only adds to it,
 * and the boot deadlines' 2× (60 s KVM, 120 s TCG) covers the rest of the machine. KVM runs at native speed.
 * N3X_K3S_TIME_FACTOR overrides it (a slower host).
 */
export const K3S_TCG_FACTOR = 9;

/** A planned wait: its deadline in KVM seconds, or a deadline that a test repeats `times` (a loop over nodes). */
export type PlannedWait = number | { seconds: number; times: number };

/** A scenario's k3s plan, in KVM seconds. */
export interface K3sPlan {
  /** useCluster's beforeAll: image and layer, machines booted (the harness's boot deadline fires well before). */
  boot: number;
  /** K3sCluster.start: the first server's API from the host. */
  firstServer: number;
  /** K3sCluster.start: each further server until it is a full etcd voter. */
  perServer: number;
  /** Waits per test (test key → wait name → deadline). */
  tests: Record<string, Record<string, PlannedWait>>;
  /** How many tests share a test key (one per netem profile, say); default 1. */
  repeat?: Record<string, number>;
}

export interface K3sBudget {
  scenario: string;
  accel: Accel;
  factor: number;
  /** Total seconds: boot, formation, every test, and the margins; useCluster stops the cluster after it. */
  seconds: number;
  /** K3sCluster.start's deadlines, in seconds. */
  formation: { firstServer: number; perServer: number; vip: number };
  /** Timeout of useCluster's and useK3s's hooks, in seconds (over the boot and the formation's waits). */
  hook: number;
  /** A planned wait of a test, in seconds (a ConfigError for one the plan does not have). */
  wait(test: string, name: string): number;
  /** A test's timeout as Vitest takes it (it()'s third argument, in ms): its planned waits plus the margin, so that every wait ends first. */
  vitestTimeout(test: string): number;
  /** The sum of a test's planned waits in seconds (each repeated wait counted every time). */
  waitSum(test: string): number;
  /** The one-line statement of the budget, logged first. */
  line(): string;
}

/** Seconds a test needs besides its waits (API calls, kubectl, assertions): KVM seconds, scaled like the rest. */
export const TEST_MARGIN_S = 30;
/** Seconds a hook needs besides its waits (layer install, unit files, kubeconfig). */
export const HOOK_MARGIN_S = 60;
/** KVM seconds for the first server to take the registration VIP once keepalived runs (VRRP needs ~3 adverts). */
export const VIP_WAIT_S = 30;

/** The factor for an accelerator: 1 under KVM, K3S_TCG_FACTOR under TCG, N3X_K3S_TIME_FACTOR when set; times the emulation factor for a foreign-architecture guest. */
export function k3sTimeFactor(accel: Accel, o: { emulation?: number; env?: NodeJS.ProcessEnv } = {}): number {
  const given = o.env?.N3X_K3S_TIME_FACTOR;
  let f = accel === 'kvm' ? 1 : K3S_TCG_FACTOR;
  if (given !== undefined && given !== '') {
    f = Number(given);
    if (!Number.isFinite(f) || f < 1) throw new ConfigError('N3X_K3S_TIME_FACTOR', `'${given}' is not a number ≥ 1`, `unset it (default ${K3S_TCG_FACTOR} under TCG, 1 under KVM) or give e.g. 12 for a slower host`);
  }
  return f * Math.max(1, o.emulation ?? 1);
}

/** The budget of a scenario from its plan, for an accelerator and the number of k3s servers. */
export function k3sBudget(scenario: string, plan: K3sPlan, o: { accel: Accel; servers: number; emulation?: number; env?: NodeJS.ProcessEnv }): K3sBudget {
  const factor = k3sTimeFactor(o.accel, { emulation: o.emulation, env: o.env ?? {} });
  const s = (kvm: number) => Math.ceil(kvm * factor);
  const ha = o.servers > 1;
  const formation = { firstServer: s(plan.firstServer), perServer: s(plan.perServer), vip: ha ? s(VIP_WAIT_S) : 0 };
  const formationSum = formation.firstServer + formation.vip + Math.max(0, o.servers - 1) * formation.perServer;
  const hook = Math.max(s(plan.boot), formationSum) + s(HOOK_MARGIN_S);
  const testOf = (t: string) => {
    const w = plan.tests[t];
    if (!w) throw new ConfigError('k3s plan', `scenario ${scenario} has no test '${t}' in its plan`, `add it to the plan (${Object.keys(plan.tests).join(', ')})`);
    return w;
  };
  const waitSum = (t: string) => Object.values(testOf(t)).reduce<number>((acc, w) => acc + (typeof w === 'number' ? s(w) : s(w.seconds) * w.times), 0);
  const testS = (t: string) => waitSum(t) + s(TEST_MARGIN_S);
  const tests = Object.keys(plan.tests).reduce((acc, t) => acc + testS(t) * (plan.repeat?.[t] ?? 1), 0);
  // Each hook (boot, formation) and each test in turn, then the teardown hooks: stop-after comes after all of them.
  const seconds = 2 * hook + tests + s(HOOK_MARGIN_S);
  return {
    scenario, accel: o.accel, factor, seconds, formation, hook,
    wait(t, name) {
      const w = testOf(t)[name];
      if (w === undefined) throw new ConfigError('k3s plan', `test '${t}' of ${scenario} plans no wait '${name}'`, `plan it (${Object.keys(testOf(t)).join(', ')}) so that the test's timeout covers it`);
      return s(typeof w === 'number' ? w : w.seconds);
    },
    vitestTimeout: (t) => testS(t) * 1000,
    waitSum,
    line: () => `k3s budget for ${scenario} under ${o.accel.toUpperCase()}: ${seconds} s in all (×${factor} the KVM plan${factor === 1 ? '' : `; K3S_TCG_FACTOR ${K3S_TCG_FACTOR}, measured`}) — hooks ${hook} s each (first server ${formation.firstServer} s${ha ? `, its VIP ${formation.vip} s` : ''}, ${Math.max(0, o.servers - 1)} more server(s) ${formation.perServer} s each), ${Object.keys(plan.tests).reduce((n, t) => n + (plan.repeat?.[t] ?? 1), 0)} tests ${tests} s; the cluster is stopped after ${seconds} s`,
  };
}

