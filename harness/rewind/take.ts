/**
 * Checkpoints of one test file's run: before each test the cluster is saved the cheap way and the test's events
 * are recorded; after it, its status, steps and error go into the checkpoint's record, and the keep policy
 * prunes (failed tests' checkpoints and the last N3X_CHECKPOINT_KEEP others stay). A checkpoint that cannot be
 * taken (a machine left down by the previous test) is skipped with a warning, never failing the test.
 *
 * Design of rewind (this folder): a checkpoint is a whole-cluster snapshot saved without the readiness wait and
 * with disks kept as overlays (cluster/snapshot-run.ts), in its own dir with a record (store.ts); its key is the
 * snapshot inputs plus the file's source before the test (key.ts), checked again on every restore (restore.ts),
 * which is the snapshot restore. Steps come from the event stream alone (steps.ts): the harness marks the events
 * of its own actions (`within`), so a step list is what the test asked for. Replay (replay.ts) re-issues them
 * through the same API and compares outputs (compare.ts); the CLI and useCluster only wire these together.
 */
import { type Cluster, type ClusterOptions } from '../cluster/cluster.js';
import { subscribe, type HarnessEvent } from '../events.js';
import { logger } from '../log.js';
import { keepFromEnv, toPrune } from './policy.js';
import { inputsFor, type TestRef } from './restore.js';
import { stepsFromEvents, withFailure } from './steps.js';
import { checkpointDir, checkpointId, checkpointRoot, diskBytes, listCheckpoints, mb, removeCheckpoint, runTag, writeRecord, type CheckpointRecord } from './store.js';

const log = logger('checkpoint');

/** The options a checkpoint keeps to rebuild the cluster elsewhere: data only (functions, the image option and set-ups left out). */
function storableOptions(opts: ClusterOptions): ClusterOptions {
  return JSON.parse(JSON.stringify({ ...opts, snapshot: undefined, image: undefined })) as ClusterOptions;
}

export class TestCheckpoints {
  private readonly tag = runTag();
  private n = 0;
  private readonly costs: number[] = [];
  private current?: { dir: string; record: CheckpointRecord; events: HarnessEvent[]; stop: () => void; cluster: string };

  constructor(private readonly opts: ClusterOptions) {}

  /** Saves the checkpoint before `test` and starts recording its events. */
  async before(c: Cluster, test: TestRef): Promise<void> {
    const id = checkpointId(this.tag, ++this.n);
    const dir = checkpointDir(id);
    const t0 = Date.now();
    try {
      await c.checkpoint(dir, id, inputsFor(c, test));
    } catch (e) {
      log.warn(`no checkpoint before '${test.fullName}': ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const ms = Date.now() - t0;
    this.costs.push(ms);
    const record: CheckpointRecord = { id, file: test.file, name: test.name, test: test.fullName, line: test.line, createdAt: new Date().toISOString(), ms, status: 'running', cluster: { opts: storableOptions(this.opts), images: { ...c.nodeImages } } };
    writeRecord(dir, record);
    const events: HarnessEvent[] = [];
    this.current = { dir, record, events, stop: subscribe((e) => events.push(e)), cluster: c.id };
  }

  /** Ends the test's recording: its status, steps and error go into the record, then the keep policy prunes. Returns the checkpoint's id. */
  after(state: 'passed' | 'failed' | 'skipped', error?: string): string | undefined {
    const cur = this.current;
    if (!cur) return undefined;
    this.current = undefined;
    cur.stop();
    const { steps, failedAt } = withFailure(stepsFromEvents(cur.events, cur.cluster), state === 'failed' ? (error ?? 'the test failed') : undefined);
    writeRecord(cur.dir, { ...cur.record, status: state, steps, failedAt, ...(state === 'failed' && error ? { error: error.split('\n').slice(0, 8).join('\n') } : {}) });
    this.prune();
    return cur.record.id;
  }

  private prune(): void {
    const all = listCheckpoints();
    for (const id of toPrune(all.map((s) => s.record), keepFromEnv())) removeCheckpoint(id);
  }

  /** The end-of-file line: checkpoints taken, their cost, and what the kept ones use on disk. */
  summary(): string {
    const sorted = [...this.costs].sort((a, b) => a - b);
    const median = sorted.length ? (sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(1) : '-';
    const kept = listCheckpoints();
    return `n3x: ${this.costs.length} checkpoint(s) taken in this file (median ${median} s each); ${kept.length} kept, ${mb(diskBytes(checkpointRoot()))} on disk in ${checkpointRoot()} (npx n3x checkpoints list|prune)`;
  }
}
