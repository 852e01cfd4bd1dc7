/** File transfer throughput of one machine: N MiB host → guest and guest → host, via the 9p shared dir and the console. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Machine, TransferOpts } from '../harness/machine/machine.js';

type Via = NonNullable<TransferOpts['via']>;

/** MB/s (10^6 bytes per second) of copyFromHost and copyFromMachine for each path, on a running machine. */
export async function measureTransfer(m: Machine, mib = 100, paths: Via[] = ['shared', 'console']): Promise<Record<Via, { toGuestMBps: number; fromGuestMBps: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-bench-xfer-'));
  const bytes = mib * 2 ** 20;
  const rate = (ms: number) => Number((bytes / 1e6 / (ms / 1000)).toFixed(1));
  const out = {} as Record<Via, { toGuestMBps: number; fromGuestMBps: number }>;
  try {
    writeFileSync(join(dir, 'payload.bin'), randomBytes(bytes));
    await m.succeed(`head -c ${bytes} /dev/urandom > /root/payload-out.bin`);
    for (const via of paths) {
      let t0 = performance.now();
      await m.copyFromHost(join(dir, 'payload.bin'), '/root/payload-in.bin', { via });
      const inMs = performance.now() - t0;
      t0 = performance.now();
      await m.copyFromMachine('/root/payload-out.bin', join(dir, via), { via });
      out[via] = { toGuestMBps: rate(inMs), fromGuestMBps: rate(performance.now() - t0) };
      await m.succeed('rm -f /root/payload-in.bin');
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
