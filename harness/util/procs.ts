/**
 * Host processes seen through /proc: is a pid still a live process (zombies count as gone), is it the process
 * we think it is (a pid from a state file may have been reused), and which processes belong to a state dir.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** A process's argv from /proc/PID/cmdline; undefined when there is no such process (or it is a zombie). */
export function cmdlineOf(pid: number): string[] | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.replace(/\0$/, '').split('\0') : undefined; // zombies and kernel threads have none
  } catch {
    return undefined;
  }
}

/** State letter and start time (clock ticks after boot) from /proc/PID/stat; undefined when gone. */
export function statOf(pid: number): { state: string; startTicks: number } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' '); // the command name may contain spaces and ')'
    return { state: f[0], startTicks: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/** True while `pid` is a running (not zombie) process; with `startTicks`, only the same process (no pid reuse). */
export function isRunning(pid: number, startTicks?: number): boolean {
  const s = statOf(pid);
  if (!s || s.state === 'Z' || s.state === 'X') return false;
  return startTicks === undefined || s.startTicks === startTicks;
}

/**
 * True when `pid` runs `program` (basename of argv[0], e.g. qemu-system-x86_64) with an argument that names
 * a path under `dir`: how a pid read from a state file is confirmed before anything is killed.
 */
export function isProcessOf(pid: number, program: string, dir: string): boolean {
  const argv = cmdlineOf(pid);
  if (!argv || basename(argv[0]) !== program) return false;
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return argv.slice(1).some((a) => a.includes(prefix));
}

/** Every process running `program` with an argument naming a path under `dir` (see isProcessOf). */
export function processesOf(program: string, dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => pid !== process.pid && isProcessOf(pid, program, dir));
}

/** Sends `signal` to `pid` only when it is `program` working under `dir`; returns whether it was sent. */
export function killProcessOf(pid: number, program: string, dir: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (!isProcessOf(pid, program, dir)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
