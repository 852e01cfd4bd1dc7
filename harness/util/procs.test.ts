import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { NotYet, retryUntil } from '../retry.js';
import { cmdlineOf, isProcessOf, isRunning, killProcessOf, processesOf, statOf } from './procs.js';

const kids: ChildProcess[] = [];
/**
 * bash idling with `path` as an argument: a process whose command line names that path. It blocks in the `read`
 * builtin on a pipe nobody writes, so it forks nothing: a forked child (before its exec) has the same command line
 * and would be found too (seen in the pristine-root rehearsal, where PIDs are few and the machine busy).
 */
const idler = async (path: string) => {
  const c = spawn('bash', ['-c', 'read -r _; true', 'n3x-test', path], { stdio: ['pipe', 'ignore', 'ignore'] });
  kids.push(c);
  await retryUntil(async () => {
    if (cmdlineOf(c.pid!)?.[0] !== 'bash') throw new NotYet('not exec\'d yet');
  }, { timeout: 5, what: 'bash to start', interval: 0.005 });
  return c.pid!;
};
const exited = (pid: number) => new Promise<void>((r) => kids.find((k) => k.pid === pid)!.once('exit', () => r()));
afterEach(() => {
  for (const k of kids.splice(0)) k.kill('SIGKILL');
});

describe('pid checks before a signal', () => {
  it('reads a live process and refuses a pid that is not that program under that dir', async () => {
    const pid = await idler('/tmp/n3x-x/ab12/n100-1/qmp.sock');
    expect(cmdlineOf(pid)?.[0]).toBe('bash');
    expect(isProcessOf(pid, 'bash', '/tmp/n3x-x/ab12')).toBe(true);
    expect(isProcessOf(pid, 'qemu-system-x86_64', '/tmp/n3x-x/ab12')).toBe(false); // not QEMU
    expect(isProcessOf(pid, 'bash', '/tmp/n3x-x/ab1')).toBe(false); // another dir sharing a prefix
    expect(isProcessOf(pid, 'bash', '/tmp/n3x-x/ab12/n100-1/qmp')).toBe(false);
    expect(isProcessOf(process.pid, 'qemu-system-x86_64', '/tmp')).toBe(false);
    expect(isProcessOf(0, 'bash', '/')).toBe(false);
  });

  it('never signals a process that is not this run\'s (a reused pid from a state file)', async () => {
    const pid = await idler('/tmp/n3x-x/cd34/n100-1/qemu.pid');
    expect(killProcessOf(pid, 'qemu-system-x86_64', '/tmp/n3x-x/cd34')).toBe(false);
    expect(killProcessOf(pid, 'bash', '/tmp/n3x-x/other')).toBe(false);
    expect(isRunning(pid)).toBe(true);
    const gone = exited(pid);
    expect(killProcessOf(pid, 'bash', '/tmp/n3x-x/cd34')).toBe(true);
    await gone;
    expect(isRunning(pid)).toBe(false);
  });

  it('finds processes by program and dir, and tells a pid reused by another process from the owner', async () => {
    const a = await idler('/tmp/n3x-y/ef56/x');
    await idler('/tmp/n3x-z/ef56/x');
    expect(processesOf('bash', '/tmp/n3x-y')).toEqual([a]);
    const ticks = statOf(a)!.startTicks;
    expect(isRunning(a, ticks)).toBe(true);
    expect(isRunning(a, ticks + 1)).toBe(false);
  });
});
