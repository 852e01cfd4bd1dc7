/**
 * `n3x ls` / `n3x stop --all` without VMs: processes posing as QEMU and vde_switch (bash under those names),
 * a bridge with no address, left down (as root), and state dirs with and without records.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteLinkSync, n3xLinks } from '../network/bridge.js';
import { NotYet, retryUntil } from '../retry.js';
import { useScratchDir } from '../testing/scratch.js';
import { cmdlineOf, isRunning } from '../util/procs.js';
import { clusterStatus, listClusters, stopAllClusters } from './registry.js';

const base = useScratchDir('n3x-registry-');
const bin = join(base, 'bin');
const root = join(base, 'root');
const other = join(base, 'other-root');
const kids: ChildProcess[] = [];
const isRoot = process.getuid?.() === 0;
const dummies: string[] = [];

/** A long-running process whose argv[0] is `program` and whose arguments name `path`. */
async function poser(program: string, path: string): Promise<number> {
  const c = spawn(join(bin, program), ['-c', 'sleep 60; true', program, path], { stdio: 'ignore' });
  kids.push(c);
  await retryUntil(async () => {
    if (!cmdlineOf(c.pid!)?.[1]?.startsWith('-c')) throw new NotYet('not started');
  }, { timeout: 5, what: `${program} to start`, interval: 0.005 });
  return c.pid!;
}

afterAll(() => {
  for (const k of kids) k.kill('SIGKILL');
  for (const d of dummies) deleteLinkSync(d);
});

describe('clusterStatus', () => {
  it('tells running, kept, orphaned and stale apart', () => {
    expect(clusterStatus({ state: 'running', ownerAlive: true, somethingLeft: true })).toBe('running');
    expect(clusterStatus({ state: 'kept', ownerAlive: false, somethingLeft: true })).toBe('kept');
    expect(clusterStatus({ state: 'starting', ownerAlive: false, somethingLeft: true })).toBe('orphaned');
    expect(clusterStatus({ state: 'kept', ownerAlive: false, somethingLeft: false })).toBe('stale');
    expect(clusterStatus({ ownerAlive: false, somethingLeft: true })).toBe('orphaned');
  });
});

describe('n3x ls and stop --all', () => {
  it('ls removes nothing; stop --all finds ours by records and by processes and links, and nothing else', async () => {
    mkdirSync(bin);
    for (const p of ['qemu-system-x86_64', 'vde_switch']) symlinkSync('/bin/bash', join(bin, p));
    // ab12: records only (owner long gone, nothing running). cd34: a QEMU and a switch, no records at all.
    mkdirSync(join(root, 'ab12'), { recursive: true });
    writeFileSync(join(root, 'ab12', 'cluster.json'), JSON.stringify({ id: 'ab12', state: 'running', pid: 999_999_999, startedAt: new Date().toISOString(), segments: [], machines: [] }));
    const qemu = await poser('qemu-system-x86_64', join(root, 'cd34', 'n100-1', 'qmp.sock'));
    const vde = await poser('vde_switch', join(root, 'cd34', 'n3xcd34s0', 'sw'));
    const notQemu = await poser('vde_switch', join(root, 'ef56', 'n100-1', 'qmp.sock')); // QEMU's path, not QEMU
    execFileSync('kill', ['-STOP', String(notQemu)]); // …and a switch that ignores SIGTERM is SIGKILLed below
    const theirs = await poser('qemu-system-x86_64', join(other, 'cd34', 'n100-1', 'qmp.sock'));
    const ours = (l: { alias: string }) => l.alias.startsWith(`n3x:${root}/`);
    if (isRoot) {
      for (const [name, dir] of [['n3xfe01s0', join(root, 'fe01')], ['n3xfe02s0', join(other, 'fe02')]]) {
        execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
        dummies.push(name);
        execFileSync('ip', ['link', 'set', name, 'alias', `n3x:${dir}`]);
      }
    }

    const listed = listClusters(root);
    expect(listed.map((e) => [e.id, e.status])).toEqual([['ab12', 'stale'], ['cd34', 'orphaned'], ['ef56', 'orphaned'], ...(isRoot ? [['fe01', 'orphaned']] : [])]);
    expect(existsSync(join(root, 'ab12', 'cluster.json'))).toBe(true); // listing deleted nothing
    expect(listed.find((e) => e.id === 'cd34')?.qemuPids).toEqual([qemu]);

    const reports = await stopAllClusters(root);
    expect(reports.find((r) => r.dir.endsWith('cd34'))).toMatchObject({ qemus: [qemu], switches: [vde], survivors: [] });
    expect(reports.find((r) => r.dir.endsWith('ef56'))).toMatchObject({ qemus: [], switches: [notQemu], survivors: [] });
    expect([qemu, vde, notQemu].filter((p) => isRunning(p))).toEqual([]);
    expect(isRunning(theirs)).toBe(true); // another state root's QEMU is left alone
    expect(existsSync(join(root, 'ab12'))).toBe(false);
    expect(n3xLinks().filter(ours)).toEqual([]);
    if (isRoot) expect(n3xLinks().map((l) => l.name)).toContain('n3xfe02s0');
    expect(listClusters(root)).toEqual([]);
  });
});
