/**
 * The host as a shared resource of scenario files that run side by side (N3X_VM_JOBS > 1): every file holds the
 * VM slot shared; a file whose checks need the host to itself (wall-clock bounds, host-wide process counts,
 * nested runs) holds it exclusively, so it waits for the files running beside it and none starts beside it.
 * The lock is flock(1) on `<state root>/vm-slot.lock`, held by a child process: the kernel releases it when the
 * holder dies, whatever killed the worker. A run started inside a holder (a scenario's nested vitest run)
 * inherits N3X_VM_SLOT and takes no slot of its own (it would wait for its parent forever).
 */
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { InfraError } from '../errors.js';
import { log } from '../log.js';
import { privateDir, stateRoot } from '../util/paths.js';

export type SlotMode = 'shared' | 'exclusive';

export interface SlotHold {
  readonly mode: SlotMode;
  /** Seconds spent waiting for the slot. */
  readonly waited: number;
  release(): Promise<void>;
}

/** The flock(1) command line that holds `path` in `mode` until its stdin closes, giving up after `timeout` s. Pure. */
export function slotCommand(path: string, mode: SlotMode, timeout: number): string[] {
  return ['flock', mode === 'shared' ? '--shared' : '--exclusive', '--wait', String(timeout), path, '-c', 'echo held; exec cat >/dev/null'];
}

/** Whether this process should take a slot: not inside another holder's nested run. Pure. */
export function needsSlot(env: NodeJS.ProcessEnv): boolean {
  return env.N3X_VM_SLOT === undefined;
}

/** Takes the VM slot in `mode`, waiting at most `timeout` seconds (the holder's name goes into the log while waiting). */
export async function holdSlot(mode: SlotMode, who: string, opts: { timeout: number; path?: string }): Promise<SlotHold> {
  const path = opts.path ?? join(privateDir(stateRoot()), 'vm-slot.lock');
  const [cmd, ...args] = slotCommand(path, mode, opts.timeout);
  const t0 = Date.now();
  const child = execa(cmd!, args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, buffer: false });
  const told = setTimeout(() => log.info(`${who}: waiting for the ${mode} VM slot (${mode === 'exclusive' ? 'files running beside it finish first' : 'a file that needs the host to itself runs'})`), 1000);
  try {
    await firstLine(child, opts.timeout);
  } finally {
    clearTimeout(told);
  }
  process.env.N3X_VM_SLOT = mode; // nested runs of this process take none
  return {
    mode,
    waited: (Date.now() - t0) / 1000,
    release: async () => {
      delete process.env.N3X_VM_SLOT;
      child.stdin?.end();
      await child;
    },
  };
}

/** Resolves when the holder prints its line; rejects when it exits first (flock's --wait ran out, or no flock). */
function firstLine(child: ResultPromise, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    void child.then((r) => {
      reject(new InfraError(`the VM slot was not free within ${timeout} s (flock exited ${r.exitCode}${r.stderr ? `: ${String(r.stderr).trim()}` : ''})`, { hint: 'another scenario file holds the host; run with N3X_VM_JOBS=1, or look for a stuck vitest worker with `pgrep -af vitest`' }));
    });
  });
}
