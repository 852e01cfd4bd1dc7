/**
 * The reaper (as testcontainers' Ryuk): a small process started with each cluster, in its own session so that
 * killing the run's process group (OOM killer, cancelled CI job, SIGKILL) does not kill it. It holds a pipe
 * from the run; when the pipe hits EOF and the run's pid is gone, it removes everything the cluster made
 * (see reap.ts). A cluster stopped normally or kept on purpose (detach) tells it so, and it exits.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger } from '../log.js';
import { statOf } from '../util/procs.js';

const log = logger('reaper');
const MAIN = fileURLToPath(new URL('./reaper-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What the owner tells the reaper before letting go: the cluster is gone, or kept running on purpose. */
export type ReaperVerdict = 'stopped' | 'kept';

export interface ReaperHandle {
  readonly pid: number;
  /** Tells the reaper to exit without touching the cluster. */
  release(verdict: ReaperVerdict): void;
}

/** N3X_REAPER=off (or 0/false/no): no reaper; a killed run then leaves its machines for `n3x stop --all`. */
export function reaperOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(off|0|false|no)$/i.test(env.N3X_REAPER ?? '');
}

/** The file every reaper under a state root appends its one-line reports to. */
export const reaperLog = (stateDir: string) => join(dirname(stateDir), 'reaper.log');

/** Starts the reaper for the cluster in `stateDir`, owned by this process (undefined when N3X_REAPER=off). */
export function startReaper(stateDir: string): ReaperHandle | undefined {
  if (reaperOff()) return undefined;
  const out = openSync(reaperLog(stateDir), 'a', 0o600);
  const owner = String(statOf(process.pid)?.startTicks ?? '');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, stateDir, String(process.pid), owner], {
    cwd: ROOT, // resolves the tsx loader
    detached: true, // own session and process group
    stdio: ['pipe', out, out],
  });
  closeSync(out);
  const stdin = child.stdin as Socket;
  stdin.on('error', () => undefined); // the reaper gone first: nothing to tell it
  child.on('error', (e) => log.warn(`reaper for ${stateDir} did not start: ${e.message}`));
  child.unref();
  stdin.unref();
  log.debug(`reaper ${child.pid} watches ${stateDir}`);
  return {
    pid: child.pid ?? 0,
    release(verdict) {
      if (stdin.writable) stdin.end(`${verdict}\n`);
    },
  };
}
