/**
 * Vitest glue: a cluster per scenario file, booted in beforeAll and always torn down in afterAll (also when
 * boot fails half way); on a failed test, diagnostics from every machine are printed and saved. With
 * checkpoints (checkpoints.ts) the cluster is saved before each test, and a failed one can be rewound.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Cluster, ClusterOptions } from '../cluster/cluster.js';
import { TestCheckpoints } from '../rewind/take.js';
import type { CheckpointRecord } from '../rewind/store.js';
import { checkpointsOn, rerunCommand, startForFile, testRef } from './checkpoints.js';
import type { Machine } from '../machine/machine.js';
import { collectDiagnostics } from './diagnostics.js';
import { artifactsDir } from '../util/paths.js';
import { emit } from '../events.js';
import '../report/record.js'; // the run report listens to this process's events

export interface ClusterHandle {
  /** The running cluster (available inside tests and hooks after beforeAll). */
  readonly cluster: Cluster;
  /** Machine by name. */
  m(name: string): Machine;
}

export type UseClusterOptions = ClusterOptions & {
  /** Services whose journals a failure dump includes. */
  units?: string[];
  /**
   * After each test, heal partitions, restore cut links and remove netem set through the harness, so a test
   * that failed half way does not leave the next one on a broken network (default true).
   */
  resetFaults?: boolean;
  /**
   * 'each-test': save a checkpoint of the cluster before each test (cheap: no wait for a settled system), so that
   * a failed test can be re-entered (`npx n3x attach --checkpoint <id>`) or re-run alone from there
   * (N3X_FROM_CHECKPOINT). N3X_CHECKPOINTS=each-test|off overrides it. Default off.
   */
  checkpoints?: 'each-test' | 'off';
};

/** Time limits of the glue, in seconds (a k3s scenario derives both from its budget, harness/k3s/budget.ts). */
export interface ClusterTiming {
  /** Vitest timeout of every hook useCluster registers (default: the project's hookTimeout). */
  hookTimeout?: number;
  /** Seconds after boot at which the cluster is stopped (default N3X_SCENARIO_DEADLINE_S, else 1800). */
  stopAfter?: number;
}

/**
 * Boots a cluster for this file; `units` are the services whose journals a failure dump includes. Options
 * may be computed asynchronously (e.g. an image layer built first).
 */
export function useCluster(options: UseClusterOptions | (() => Promise<UseClusterOptions>), timing: ClusterTiming = {}): ClusterHandle {
  const hookMs = timing.hookTimeout === undefined ? undefined : timing.hookTimeout * 1000;
  let c: Cluster | undefined;
  let failed = false;
  let opts: UseClusterOptions | undefined = typeof options === 'function' ? undefined : options;
  let deadline: NodeJS.Timeout | undefined;
  let checkpoints: TestCheckpoints | undefined;
  let from: CheckpointRecord | undefined;
  beforeAll(async ({}, suite) => {
    opts ??= await (options as () => Promise<UseClusterOptions>)();
    ({ cluster: c, from } = await startForFile(opts, suite.file.filepath));
    if (!from && checkpointsOn(opts.checkpoints)) checkpoints = new TestCheckpoints(opts);
    deadline = armDeadline(c, opts.units, timing.stopAfter);
  }, hookMs);
  beforeEach(async (ctx) => {
    if (c && from && ctx.task.fullName !== from.test) ctx.skip(`not the test of checkpoint ${from.id} (N3X_FROM_CHECKPOINT)`);
    if (c && checkpoints) await checkpoints.before(c, testRef(ctx.task));
  }, hookMs);
  afterAll(async () => {
    clearTimeout(deadline);
    if (checkpoints) console.log(checkpoints.summary());
    if (c && failed && process.env.N3X_KEEP === '1') {
      c.detach();
      console.error(`\nn3x: kept cluster ${c.id} running after a failure (N3X_KEEP=1): npx n3x attach ${c.id}   (remove it: npx n3x stop ${c.id})\n`);
      return;
    }
    await c?.stop();
  }, hookMs);
  afterEach(async (ctx) => {
    if (!c) return;
    const inEffect = c.faults();
    const state = ctx.task.result?.state;
    const checkpoint = checkpoints?.after(state === 'fail' ? 'failed' : state === 'skip' ? 'skipped' : 'passed', ctx.task.result?.errors?.[0]?.message);
    if (state === 'fail') {
      failed = true;
      const rewind = checkpoint ? [`rewind: npx n3x attach --checkpoint ${checkpoint}   (re-run just this test from there: ${rerunCommand(checkpoint, testRef(ctx.task))})`] : [];
      emit({ kind: 'test', phase: 'fail', file: ctx.task.file?.filepath, test: ctx.task.id, rewind: rewind[0] }); // serial tails for the report, before diagnostics and the reset
      const text = await collectDiagnostics(c.machines, `${ctx.task.file?.name ?? 'scenario'}-${ctx.task.name}`, opts?.units, inEffect, rewind);
      console.error(`\n=== n3x diagnostics for failed test "${ctx.task.name}" ===\n${text}\n`);
      if (checkpoint) console.error(`n3x: ${rewind[0]}\n`);
    }
    if (opts?.resetFaults !== false && inEffect.length) await c.resetFaults();
  }, hookMs);
  return {
    get cluster() {
      if (!c) throw new Error('cluster not started (did beforeAll fail? see the error above)');
      return c;
    },
    m: (name) => {
      if (!c) throw new Error('cluster not started (did beforeAll fail? see the error above)');
      return c.machine(name);
    },
  };
}

/**
 * The per-scenario deadline (`stopAfter`, else N3X_SCENARIO_DEADLINE_S, else 1800 s from boot): when it passes, every
 * machine's `systemctl --failed`, journal tail and serial log go to the artifacts dir, and the cluster is
 * stopped so that whatever the test waits on fails at once instead of hanging the run.
 */
function armDeadline(c: Cluster, units?: string[], stopAfter?: number): NodeJS.Timeout {
  const seconds = stopAfter ?? Number(process.env.N3X_SCENARIO_DEADLINE_S ?? 1800);
  const t = setTimeout(async () => {
    const busy = c.machines.filter((m) => m.interrupt()).map((m) => m.name); // free the backdoors for the dump
    if (busy.length) console.error(`n3x: scenario deadline: interrupted the running command on ${busy.join(', ')}`);
    const text = await collectDiagnostics(c.machines, `deadline-${c.profile.name}-${c.id}`, units).catch((e: Error) => `(diagnostics failed: ${e.message})`);
    console.error(`\nn3x: scenario deadline of ${seconds} s passed (${stopAfter === undefined ? 'N3X_SCENARIO_DEADLINE_S' : "the scenario's budget"}); diagnostics saved under ${artifactsDir()}; stopping cluster ${c.id}\n${text}\n`);
    await c.stop();
  }, seconds * 1000);
  t.unref();
  return t;
}
