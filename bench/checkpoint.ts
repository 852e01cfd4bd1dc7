/**
 * What a checkpoint before each test costs on a running cluster: the time every machine is paused, saved and
 * resumed (the time added to each test), and the disk each checkpoint takes, beside a full snapshot of the same
 * cluster (which waits for a settled system and makes each disk stand alone). A little guest work between
 * checkpoints stands for a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../harness/cluster/cluster.js';
import { diskBytes } from '../harness/rewind/store.js';
import { spread } from './roundtrip.js';

export interface CheckpointCost {
  machines: number;
  memoryMiB: number;
  /** Milliseconds per checkpoint (pause, save memory and devices, copy the disk overlays, resume). */
  checkpointMs: ReturnType<typeof spread>;
  /** Disk used by each checkpoint, MB. */
  checkpointMB: number[];
  /** One full snapshot of the same cluster (cluster.snapshot), ms, for comparison. */
  fullSnapshotMs: number;
}

/** Takes `runs` checkpoints of `c` (into a throwaway dir), then one full snapshot. */
export async function measureCheckpoints(c: Cluster, runs: number, memoryMiB: number): Promise<CheckpointCost> {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-bench-ckpt-'));
  const ms: number[] = [];
  const mb: number[] = [];
  try {
    const inputs = c.snapshotInputs({ name: 'bench-checkpoint' });
    for (let i = 0; i < runs; i++) {
      await Promise.all(c.machines.map((m) => m.succeed(`head -c 1M /dev/urandom > /root/test-${i}`)));
      const t0 = performance.now();
      await c.checkpoint(join(dir, `c${i}`), `bench-${i}`, inputs);
      ms.push(performance.now() - t0);
      mb.push(Number((diskBytes(join(dir, `c${i}`)) / 1e6).toFixed(1)));
    }
    const t0 = performance.now();
    await c.snapshot('bench-full');
    return { machines: c.machines.length, memoryMiB, checkpointMs: spread(ms), checkpointMB: mb, fullSnapshotMs: Math.round(performance.now() - t0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
