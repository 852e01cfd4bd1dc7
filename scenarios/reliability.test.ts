/**
 * Teardown on every path: a real run in a child process is interrupted (SIGINT during boot, SIGTERM
 * mid-test) and must leave no QEMU, TAP, bridge, vde_switch or state dir behind. Also: two clusters at
 * the same time never share a segment, name or state dir, and their traffic stays apart.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { NotYet, retryUntil, startCluster, type Cluster, VDE_SWITCH, processesOf } from '../harness/index.js';
import { itAsRoot, useScratchDir } from '../harness/vitest.js';

const scratch = useScratchDir('n3x-reliability-');
const n3xLinks = (): string[] =>
  execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((l) => l.split(': ')[1]?.split('@')[0]).filter((n): n is string => !!n && n.startsWith('n3x'));
const processesMentioning = (path: string): string[] => {
  try {
    return execFileSync('pgrep', ['-af', path], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** Waits (5 s at most) until no process names a path under root. */
const nothingMentions = (root: string) =>
  retryUntil(async () => {
    const left = processesMentioning(root);
    if (left.length) throw new NotYet(`still running:\n${left.join('\n')}`);
  }, { timeout: 5, what: `no process under ${root}`, interval: 0.1 });

async function interrupt(signal: 'SIGINT' | 'SIGTERM', when: 'STARTING' | 'READY', backend: 'bridge' | 'vde') {
  const root = mkdtempSync(join(scratch, 'int-'));
  const linksBefore = n3xLinks();
  const child = execa(process.execPath, ['--import', 'tsx', 'fixtures/reliability/child.ts', 'simple', '1', backend], { env: { N3X_STATE_DIR: root }, reject: false, buffer: false, stdout: 'pipe' });
  let sawReady = false;
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      if (s.includes('READY')) sawReady = true;
      if (s.includes(when)) setTimeout(resolve, when === 'STARTING' ? 3000 : 500); // mid-boot: QEMU is running by then
    });
    child.on('exit', () => resolve());
  });
  const pidsDuring = processesMentioning(root);
  child.kill(signal);
  const r = await child;
  return { root, r, sawReady, pidsDuring, linksBefore };
}

// The interrupted runs' reapers append to <root>/reaper.log; no run may leave anything else in its root.
const runLeftovers = (root: string) => readdirSync(root).filter((f) => f !== 'reaper.log');

describe.sequential('reliability: interrupts leave nothing behind', () => {
  const bridge = itAsRoot('the bridge backend');
  const check = async (signal: 'SIGINT' | 'SIGTERM', when: 'STARTING' | 'READY', backend: 'bridge' | 'vde') => {
    const { root, r, sawReady, pidsDuring, linksBefore } = await interrupt(signal, when, backend);
    expect(pidsDuring.some((p) => p.includes('qemu-system'))).toBe(true); // the run really had VMs up
    if (when === 'READY') expect(sawReady).toBe(true);
    expect(r.exitCode ?? r.signal).toBe(signal === 'SIGINT' ? 130 : 143);
    await nothingMentions(root); // QEMUs, switches, and the reaper once it sees the cluster gone
    expect(n3xLinks().filter((l) => !linksBefore.includes(l))).toEqual([]);
    expect(runLeftovers(root)).toEqual([]);
    expect(processesMentioning(`${root}/`).filter((p) => p.includes('vde_switch'))).toEqual([]);
  };
  bridge.it.each([
    ['SIGINT', 'STARTING', 'bridge'],
    ['SIGTERM', 'READY', 'bridge'],
  ] as const)(bridge.title('%s during %s (%s backend)'), check);
  it.each([['SIGINT', 'READY', 'vde']] as const)('%s during %s (%s backend)', check);
});

describe.sequential('scenario deadline', () => {
  it('a scenario past its deadline interrupts the command, saves diagnostics, stops its cluster and fails the run', async () => {
    const root = mkdtempSync(join(scratch, 'deadline-'));
    const artifacts = mkdtempSync(join(scratch, 'deadline-art-'));
    const r = await execa('npx', ['vitest', 'run', '--config', 'fixtures/deadline/vitest.config.ts'], { env: { N3X_STATE_DIR: root, N3X_ARTIFACTS: artifacts, N3X_SCENARIO_DEADLINE_S: '5', TMPDIR: scratch }, reject: false, all: true }); // TMPDIR: Vitest's own temp dir stays in scratch
    const out = String(r.all);
    expect(r.exitCode, out.slice(-2000)).toBe(1);
    expect(out).toMatch(/scenario deadline of 5 s passed/);
    expect(out).toMatch(/interrupted the running command on n100-1/);
    const [dump] = readdirSync(artifacts).filter((d) => d.startsWith('deadline-simple-'));
    expect(dump).toBeDefined();
    expect(existsSync(join(artifacts, dump, 'n100-1', 'serial.log'))).toBe(true);
    expect(readFileSync(join(artifacts, dump, 'summary.txt'), 'utf8')).toMatch(/systemctl --failed: /);
    await nothingMentions(root);
    expect(runLeftovers(root)).toEqual([]);
  });
});

/** A cluster's own segments on the host: its links (bridge backend) or its vde_switch pids. */
const segmentsOf = (c: Cluster): string[] => (c.backend === 'bridge' ? n3xLinks().filter((l) => l.startsWith(`n3x${c.id}`)) : processesOf(VDE_SWITCH, c.stateDir).map(String));

describe.sequential('isolation: two clusters at once', () => {
  it('never share a segment, name or state dir, and their identical addresses do not see each other', async () => {
    const [a, b] = await Promise.all([startCluster({ profile: 'simple', nodes: 2 }), startCluster({ profile: 'simple', nodes: 2 })]);
    try {
      expect(a.id).not.toBe(b.id);
      expect(a.stateDir).not.toBe(b.stateDir);
      const segA = segmentsOf(a);
      const segB = segmentsOf(b);
      expect(segA.length).toBeGreaterThan(0);
      expect(segA.filter((l) => segB.includes(l))).toEqual([]);
      // Both clusters use 192.168.1.1/.2. Mark a's n100-2 and check that b's n100-1 reaches only its own peer.
      await a.machine('n100-2').succeed('echo cluster-a > /tmp/who');
      await b.machine('n100-2').succeed('echo cluster-b > /tmp/who');
      const macA = (await a.machine('n100-2').succeed('cat /sys/class/net/eth1/address')).trim();
      const macB = (await b.machine('n100-2').succeed('cat /sys/class/net/eth1/address')).trim();
      expect(macA).not.toBe(macB);
      await b.machine('n100-1').waitUntilSucceeds('ping -c1 -W2 192.168.1.2', { timeout: 30 });
      expect((await b.machine('n100-1').succeed('ip neigh show 192.168.1.2')).includes(macB)).toBe(true);
      await a.machine('n100-1').waitUntilSucceeds('ping -c1 -W2 192.168.1.2', { timeout: 30 });
      expect((await a.machine('n100-1').succeed('ip neigh show 192.168.1.2')).includes(macA)).toBe(true);
      for (const c of [a, b]) {
        expect(statSync(c.stateDir).mode & 0o777).toBe(0o700);
        for (const m of c.machines) for (const s of ['qmp.sock', 'shell.sock', 'out.sock', 'serial.sock']) expect(statSync(join(m.stateDir, s)).mode & 0o777).toBe(0o600);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(existsSync(a.stateDir) || existsSync(b.stateDir)).toBe(false);
  });
});
