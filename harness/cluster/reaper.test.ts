/**
 * The reaper without VMs: an owner process (fixtures/reaper/owner.ts) starts it for a cluster dir with a process
 * posing as that cluster's QEMU; the owner is SIGKILLed with its whole process group, or lets go on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { NotYet, retryUntil, sleep } from '../retry.js';
import { useScratchDir } from '../testing/scratch.js';
import { cmdlineOf, isRunning } from '../util/procs.js';
import { reaperLog } from './reaper.js';

const base = useScratchDir('n3x-reaper-');
const bin = join(base, 'bin');
mkdirSync(bin);
symlinkSync('/bin/bash', join(bin, 'qemu-system-x86_64'));
const kids: ChildProcess[] = [];
afterAll(() => kids.forEach((k) => k.kill('SIGKILL')));

async function clusterWithQemu(id: string, state: string): Promise<{ dir: string; qemu: number }> {
  const dir = join(base, 'root', id);
  mkdirSync(join(dir, 'n100-1'), { recursive: true });
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ id, state, pid: process.pid, startedAt: new Date().toISOString(), segments: [], machines: [] }));
  const q = spawn(join(bin, 'qemu-system-x86_64'), ['-c', 'sleep 120; true', 'qemu', join(dir, 'n100-1', 'qmp.sock')], { stdio: 'ignore', detached: true });
  kids.push(q);
  q.unref();
  return { dir, qemu: q.pid! };
}

/** Starts the owner in its own process group; resolves with the owner's pgid and the reaper's pid. */
async function owner(dir: string, mode: string, env: NodeJS.ProcessEnv = {}): Promise<{ pgid: number; reaper: number }> {
  const o = execa(process.execPath, ['--import', 'tsx', 'fixtures/reaper/owner.ts', dir, mode], { detached: true, buffer: false, reject: false, env });
  const reaper = await new Promise<number>((resolve) => o.stdout!.on('data', (d: Buffer) => /REAPER (\d+)/.test(String(d)) && resolve(Number(/REAPER (\d+)/.exec(String(d))![1]))));
  return { pgid: o.pid!, reaper };
}

const gone = (what: string, check: () => boolean, timeoutMs = 10_000) =>
  retryUntil(async () => {
    if (!check()) throw new NotYet(`${what} not yet`);
  }, { timeout: timeoutMs / 1000, what, interval: 0.1 });

describe('reaper', () => {
  it('reaps a cluster within seconds when its owner\'s process group is SIGKILLed', async () => {
    const { dir, qemu } = await clusterWithQemu('aa01', 'running');
    const { pgid, reaper } = await owner(dir, 'idle');
    await gone('the reaper to start', () => cmdlineOf(reaper)?.some((a) => a.endsWith('reaper-main.ts')) ?? false);
    process.kill(-pgid, 'SIGKILL');
    await gone('the QEMU and the state dir', () => !isRunning(qemu) && !existsSync(dir));
    await gone('the reaper to exit', () => !isRunning(reaper));
    expect(readFileSync(reaperLog(dir), 'utf8')).toMatch(new RegExp(`cluster aa01: owner \\d+ gone; killed qemu \\[${qemu}\\]`));
  });

  it('leaves a cluster released as kept, and one marked kept, and exits', async () => {
    const a = await clusterWithQemu('aa02', 'running');
    const released = await owner(a.dir, 'kept');
    const b = await clusterWithQemu('aa03', 'kept');
    const marked = await owner(b.dir, 'idle');
    await gone('the released reaper to exit', () => !isRunning(released.reaper));
    process.kill(-released.pgid, 'SIGKILL');
    process.kill(-marked.pgid, 'SIGKILL');
    await gone('the other reaper to exit', () => !isRunning(marked.reaper));
    await sleep(0.5);
    expect([a.qemu, b.qemu].every((p) => isRunning(p))).toBe(true);
    expect(existsSync(a.dir) && existsSync(b.dir)).toBe(true);
  });

  it('exits when the cluster is stopped normally (state dir gone), touching nothing', async () => {
    const { dir, qemu } = await clusterWithQemu('aa04', 'running');
    const { pgid, reaper } = await owner(dir, 'stopped');
    await gone('the reaper to exit', () => !isRunning(reaper));
    process.kill(-pgid, 'SIGKILL');
    expect(isRunning(qemu)).toBe(true);
  });

  it('N3X_REAPER=off starts none', async () => {
    const { pgid, reaper } = await owner(join(base, 'root', 'aa05'), 'idle', { N3X_REAPER: 'off' });
    process.kill(-pgid, 'SIGKILL');
    expect(reaper).toBe(0);
  });
});
