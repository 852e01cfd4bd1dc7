/**
 * Vitest glue: a cluster per scenario file, booted in beforeAll and always torn down in afterAll (also when
 * boot fails half way); on a failed test, diagnostics from every machine are printed and saved.
 */
import { afterAll, beforeAll, onTestFailed, beforeEach } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions } from '../cluster/cluster.js';
import type { Machine } from '../machine/machine.js';
import { collectDiagnostics } from './diagnostics.js';

export interface ClusterHandle {
  /** The running cluster (available inside tests and hooks after beforeAll). */
  readonly cluster: Cluster;
  /** Machine by name. */
  m(name: string): Machine;
}

type Opts = ClusterOptions & { units?: string[] };

/**
 * Boots a cluster for this file; `units` are the services whose journals a failure dump includes. Options
 * may be computed asynchronously (e.g. an image layer built first).
 */
export function useCluster(options: Opts | (() => Promise<Opts>)): ClusterHandle {
  let c: Cluster | undefined;
  let failed = false;
  let opts: Opts | undefined = typeof options === 'function' ? undefined : options;
  beforeAll(async () => {
    opts ??= await (options as () => Promise<Opts>)();
    c = await startCluster(opts);
  });
  afterAll(async () => {
    if (c && failed && process.env.N3X_KEEP === '1') {
      c.detach();
      console.error(`\nn3x: kept cluster ${c.id} running after a failure (N3X_KEEP=1): npx n3x attach ${c.id}   (remove it: npx n3x stop ${c.id})\n`);
      return;
    }
    await c?.stop();
  });
  beforeEach((ctx) => {
    onTestFailed(async () => {
      failed = true;
      if (!c) return;
      const text = await collectDiagnostics(c.machines, `${ctx.task.file?.name ?? 'scenario'}-${ctx.task.name}`, opts?.units);
      console.error(`\n=== n3x diagnostics for failed test "${ctx.task.name}" ===\n${text}\n`);
    });
  });
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
