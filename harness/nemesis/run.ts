/**
 * Runs a seeded fault schedule against a cluster: each fault at its time, healed at its end, everything healed
 * when the schedule is over (also when it fails or is aborted). The seed is logged first, emitted with the
 * schedule and each fault's on and off (the report's timeline draws them), named in the error of a nemesis that
 * fails and printed again when a test that ran it fails, so a failing run can be replayed with N3X_NEMESIS_SEED.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../cluster/cluster.js';
import { emit, subscribe } from '../events.js';
import { logger } from '../log.js';
import type { Machine } from '../machine/machine.js';
import { describeFault, schedule, type Fault, type ScheduleOptions } from './schedule.js';

const log = logger('nemesis');

export interface NemesisOptions extends Omit<ScheduleOptions, 'seed'> {
  /** The schedule's seed; N3X_NEMESIS_SEED, when set, takes its place (to replay a failing run). */
  seed: number;
  /** Runs after a crashed machine has started again (start the system under test's services there). */
  afterRestart?: (m: Machine) => Promise<void>;
  signal?: AbortSignal;
}

export interface NemesisResult {
  seed: number;
  schedule: Fault[];
  /** What happened to each fault, with host times (ms since the nemesis started). */
  applied: { fault: Fault; startedMs: number; healedMs: number }[];
}

/** The seed to use: N3X_NEMESIS_SEED (a replay) over the one the test gives. */
export function nemesisSeed(given: number, env: NodeJS.ProcessEnv = process.env): number {
  const s = env.N3X_NEMESIS_SEED;
  if (s === undefined || s === '') return given;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`N3X_NEMESIS_SEED must be an integer, got '${s}'`);
  return n;
}

/** Seeds of the nemeses run in the current test: printed when it fails, so that the run can be replayed. */
const seedsThisTest: number[] = [];
subscribe((e) => {
  if (e.kind !== 'test' || !e.test) return;
  if (e.phase === 'begin') seedsThisTest.length = 0;
  if (e.phase !== 'fail' || !seedsThisTest.length) return;
  const seeds = [...new Set(seedsThisTest)];
  seedsThisTest.length = 0; // printed once, though a failure may be announced twice
  log.warn(`the failed test ran a nemesis with seed ${seeds.join(', ')}: replay it with ${seeds.map((s) => `N3X_NEMESIS_SEED=${s}`).join(' or ')}`);
});

/** Draws the schedule from the seed and runs it; returns the schedule and what was applied when. */
export async function runNemesis(cluster: Cluster, opts: NemesisOptions): Promise<NemesisResult> {
  const seed = nemesisSeed(opts.seed);
  const plan = schedule(cluster.machines.map((m) => m.name), { ...opts, seed });
  log.info(`seed ${seed}${seed !== opts.seed ? ' (from N3X_NEMESIS_SEED)' : ''}: ${plan.length} faults over ${opts.duration} s (replay: N3X_NEMESIS_SEED=${seed})`);
  emit({ kind: 'nemesis', cluster: cluster.id, phase: 'begin', seed, replay: seed !== opts.seed, faults: plan.map((f) => ({ kind: f.kind, at: f.at, until: f.until, nodes: f.nodes, sides: f.sides, label: describeFault(f) })) });
  seedsThisTest.push(seed);
  const t0 = Date.now();
  const applied: NemesisResult['applied'] = [];
  const until = async (s: number) => {
    const wait = t0 + s * 1000 - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: opts.signal });
  };
  let error: Error | undefined;
  let inForce: Fault | undefined;
  try {
    for (const [index, f] of plan.entries()) {
      await until(f.at);
      const startedMs = Date.now() - t0;
      log.info(`${describeFault(f)}: on at ${(startedMs / 1000).toFixed(1)} s`);
      emit({ kind: 'nemesis', cluster: cluster.id, phase: 'on', seed, index });
      await inject(cluster, f);
      inForce = f;
      await until(f.until);
      await heal(cluster, f, opts.afterRestart);
      inForce = undefined;
      emit({ kind: 'nemesis', cluster: cluster.id, phase: 'off', seed, index });
      applied.push({ fault: f, startedMs, healedMs: Date.now() - t0 });
    }
    await until(opts.duration);
  } catch (e) {
    error = e as Error;
  }
  try {
    // A clock jump has no trace the cluster's reset knows of: the fault in force is healed first, by itself.
    if (inForce?.kind === 'clock-jump' && cluster.machine(inForce.nodes[0]).isUp()) {
      await heal(cluster, inForce).catch((e: Error) => log.warn(`could not undo ${describeFault(inForce!)}: ${e.message}`));
    }
    await healAll(cluster, opts.afterRestart);
  } finally {
    emit({ kind: 'nemesis', cluster: cluster.id, phase: 'end', seed, error: error?.message });
  }
  if (error) throw new Error(`nemesis seed ${seed} failed (replay: N3X_NEMESIS_SEED=${seed}): ${error.message}`, { cause: error });
  return { seed, schedule: plan, applied };
}

/** The sides of a partition as the cluster's partition() takes them: a bridge node belongs to neither. */
export function partitionSides(f: Fault): [string[], string[]] {
  const [a, b] = f.sides!;
  return [a.filter((n) => !b.includes(n)), b.filter((n) => !a.includes(n))];
}

/** A guest command that moves the clock by `jump` seconds. */
export const clockJumpCommand = (jump: number) => `date -u -s "@$(( $(date +%s) + (${jump}) ))" >/dev/null`;

async function inject(c: Cluster, f: Fault): Promise<void> {
  const m = c.machine(f.nodes[0]);
  switch (f.kind) {
    case 'partition-halves':
    case 'partition-lone':
    case 'partition-bridge':
      return c.partition(...partitionSides(f));
    case 'crash':
      return m.crash();
    case 'link-cut':
      return m.block();
    case 'netem':
      return m.netem(c.iface(), f.netem!);
    case 'clock-jump':
      await m.succeed(clockJumpCommand(f.jump!));
  }
}

async function heal(c: Cluster, f: Fault, afterRestart?: (m: Machine) => Promise<void>): Promise<void> {
  const m = c.machine(f.nodes[0]);
  switch (f.kind) {
    case 'partition-halves':
    case 'partition-lone':
    case 'partition-bridge':
      return c.heal();
    case 'crash':
      await m.start();
      await afterRestart?.(m);
      return;
    case 'link-cut':
      return m.unblock();
    case 'netem':
      return m.clearNetem(c.iface());
    case 'clock-jump':
      await m.succeed(clockJumpCommand(-f.jump!));
  }
}

/** Heals whatever is left: partitions, cut links, netem, machines down. */
async function healAll(c: Cluster, afterRestart?: (m: Machine) => Promise<void>): Promise<void> {
  for (const m of c.machines.filter((x) => !x.isUp())) {
    await m.start();
    await afterRestart?.(m);
  }
  const left = await c.resetFaults();
  if (left.length) log.info(`healed at the end: ${left.join('; ')}`);
}
