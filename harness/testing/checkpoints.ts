/**
 * The rewind side of useCluster: whether a file takes a checkpoint before each test (`checkpoints: 'each-test'`
 * or N3X_CHECKPOINTS=each-test), and a run that starts from one (N3X_FROM_CHECKPOINT=<id>): the cluster is
 * restored from it instead of started, that one test runs and every other is skipped, and the run says so.
 */
import { relative } from 'node:path';
import type { RunnerTestCase } from 'vitest';
import { Cluster, startCluster, type ClusterOptions } from '../cluster/cluster.js';
import { ConfigError } from '../errors.js';
import { age } from '../cluster/snapshot.js';
import { restoreCheckpoint, type TestRef } from '../rewind/restore.js';
import type { CheckpointRecord } from '../rewind/store.js';

/** Whether checkpoints are taken before each test: N3X_CHECKPOINTS (each-test | off) over the option. Pure. */
export function checkpointsOn(option: 'each-test' | 'off' | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.N3X_CHECKPOINTS;
  if (v !== undefined && v !== '' && v !== 'each-test' && v !== 'off') throw new ConfigError('N3X_CHECKPOINTS', `'${v}' is not known`, 'use each-test or off');
  return (v || option) === 'each-test';
}

/** A Vitest test as a checkpoint names it. */
export function testRef(task: RunnerTestCase): TestRef {
  return { file: task.file.filepath, name: task.name, fullName: task.fullName, line: task.location?.line };
}

/** The command that re-runs just this test from checkpoint `id` (the name as a -t pattern, quoted for a shell). */
export function rerunCommand(id: string, test: TestRef): string {
  const pattern = test.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "'\\''");
  return `N3X_FROM_CHECKPOINT=${id} npx vitest run ${relative(process.cwd(), test.file)} -t '${pattern}'`;
}

/** Starts the file's cluster: from checkpoint N3X_FROM_CHECKPOINT when set (saying so), else as usual. */
export async function startForFile(opts: ClusterOptions, file: string): Promise<{ cluster: Cluster; from?: CheckpointRecord }> {
  const id = process.env.N3X_FROM_CHECKPOINT;
  if (!id) return { cluster: await startCluster(opts) };
  const c = await Cluster.create(opts);
  try {
    const from = await restoreCheckpoint(c, id, file);
    console.log(`n3x: started from checkpoint ${id} (N3X_FROM_CHECKPOINT, ${age(from.createdAt)}): the cluster as it was right before '${from.test}'; only that test runs, the others are skipped`);
    return { cluster: c, from };
  } catch (e) {
    await c.stop();
    throw e;
  }
}
