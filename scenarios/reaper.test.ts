/**
 * A killed runner leaves nothing: `npx vitest run scenarios/network-simple.test.ts` is SIGKILLed with its whole
 * process group mid-boot (as the OOM killer or a cancelled CI job does); 20 s later no QEMU, vde_switch, link or
 * state dir of it is left and its reaper has exited. With the reaper killed too, `n3x stop --all` removes the
 * orphan, also when its records are gone. `N3X_REAPER=off npx vitest run scenarios/reaper` shows the first fail.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { QEMU, VDE_SWITCH, reaperOff, n3xLinks, NotYet, retryUntil, sleep, cmdlineOf, processesOf } from '../harness/index.js';
import { useScratchDir } from '../harness/vitest.js';

const isRoot = process.getuid?.() === 0;
const n3x = (root: string, ...args: string[]) => execa('npx', ['tsx', 'harness/cli/main.ts', ...args], { env: { N3X_STATE_DIR: root }, reject: false });
const reapersOf = (root: string) => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => (cmdlineOf(p) ?? []).some((a) => a.endsWith('reaper-main.ts')) && (cmdlineOf(p) ?? []).some((a) => a.startsWith(`${root}/`)));

/** What of ours is on the host for a state root: processes, links (tagged, or named after a cluster dir), dirs. */
function leftovers(root: string) {
  const ids = existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{4}$/.test(n)) : [];
  return {
    qemus: processesOf(QEMU, root),
    switches: processesOf(VDE_SWITCH, root),
    links: n3xLinks().filter((l) => l.alias.startsWith(`n3x:${root}/`) || ids.some((id) => l.name.startsWith(`n3x${id}`))).map((l) => l.name),
    clusterDirs: ids,
    reapers: reapersOf(root),
  };
}

/**
 * Starts network-simple (own process group), waits until its three QEMUs run, SIGKILLs the group (and first its
 * reaper, with `reaperToo`: killed after the owner, a reaper would already be reaping).
 */
async function killMidBoot(root: string, backend: 'bridge' | 'vde', opts: { reaperToo?: boolean } = {}) {
  const run = execa('npx', ['vitest', 'run', '--project', 'vm', 'scenarios/network-simple.test.ts'], {
    // TMPDIR: the killed Vitest's own temp dir (`<TMPDIR>/<id>/ssr`) stays in the file's scratch dir, not /tmp.
    env: { N3X_STATE_DIR: root, N3X_NETWORK_BACKENDS: backend, TMPDIR: scratch },
    detached: true,
    reject: false,
    stdio: 'ignore',
  });
  await retryUntil(async () => {
    if (run.exitCode !== null) throw new Error(`the run ended before booting (exit ${run.exitCode})`);
    const n = processesOf(QEMU, root).length;
    if (n < 3) throw new NotYet(`${n} QEMUs so far`);
  }, { timeout: 300, what: 'three QEMUs of the run', interval: 0.25 });
  await sleep(2); // mid-boot: segments, QEMUs and the reaper are all there
  const during = leftovers(root);
  if (opts.reaperToo) for (const p of during.reapers) process.kill(p, 'SIGKILL');
  process.kill(-run.pid!, 'SIGKILL');
  await run;
  return during;
}

const scratch = useScratchDir('n3x-reaper-vm-');
const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await n3x(r, 'stop', '--all'); // what a failed test left
});

describe.sequential('reaper: a SIGKILLed run leaves nothing', () => {
  it(`kill -9 of the whole process group mid-boot (${isRoot ? 'bridge' : 'vde'} backend): nothing left 20 s later`, async () => {
    const root = mkdtempSync(join(scratch, 'reaped-'));
    roots.push(root);
    const during = await killMidBoot(root, isRoot ? 'bridge' : 'vde');
    expect(during.qemus).toHaveLength(3);
    expect(during.reapers).toHaveLength(reaperOff() ? 0 : 1);
    if (isRoot) expect(during.links.length).toBeGreaterThanOrEqual(4); // a bridge and three TAPs
    else expect(during.switches).toHaveLength(1);
    await sleep(20);
    const log = existsSync(join(root, 'reaper.log')) ? readFileSync(join(root, 'reaper.log'), 'utf8') : '(no reaper.log)';
    expect(leftovers(root), `reaper.log:\n${log}`).toEqual({ qemus: [], switches: [], links: [], clusterDirs: [], reapers: [] });
    expect(JSON.parse((await n3x(root, 'ls', '--json')).stdout)).toEqual([]);
  });

  it('with the reaper killed too, n3x ls shows the orphan and removes nothing; n3x stop --all removes it, records or not', async () => {
    const root = mkdtempSync(join(scratch, 'orphan-'));
    roots.push(root);
    const during = await killMidBoot(root, 'vde', { reaperToo: true });
    await sleep(3);
    const [id] = during.clusterDirs;
    expect(leftovers(root)).toMatchObject({ qemus: during.qemus, switches: during.switches, clusterDirs: [id], reapers: [] });
    const ls = JSON.parse((await n3x(root, 'ls', '--json')).stdout) as { id: string; status: string }[];
    expect(ls).toMatchObject([{ id, status: 'orphaned' }]);
    expect(existsSync(join(root, id, 'cluster.json'))).toBe(true); // ls deleted nothing
    // Without any record, the processes themselves still lead `stop --all` to the cluster.
    for (const f of readdirSync(join(root, id), { recursive: true }) as string[]) if (/(cluster\.json|qemu\.pid|sw\.pid)$/.test(f)) rmSync(join(root, id, f));
    expect(JSON.parse((await n3x(root, 'ls', '--json')).stdout)).toMatchObject([{ id, status: 'orphaned' }]);
    const stop = await n3x(root, 'stop', '--all');
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`stopped ${id}: 3 QEMU, 1 vde_switch`));
    expect(leftovers(root)).toEqual({ qemus: [], switches: [], links: [], clusterDirs: [], reapers: [] });
  });
});
