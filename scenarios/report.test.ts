/**
 * The run report, seen in a real browser: a nested Vitest run of a 3-node bonding-vlans fixture (one test
 * passes; one jumps a guest clock and runs a seeded nemesis of every fault kind; one cuts a link, shapes,
 * partitions and fails on purpose; one is skipped) writes its report; headless Chromium (Debian's, driven by
 * playwright-core) opens it from disk and must show every machine and VLAN interface in the topology, the failed
 * test's error and serial tail, the timeline (lanes, command ticks with hover text, fault spans, test bands, the
 * nemesis row), and load nothing from the network. Screenshots go to artifacts/ (report-screenshot.png, full
 * page; report-top.png, the first screen; report-timeline.png).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactsDir, type ReportData } from '../harness/index.js';
import { expectTimeline } from './lib/report-page.js';

// Debian's chromium (ci/setup.sh installs it); N3X_CHROMIUM or Google Chrome (preinstalled on GitHub's Ubuntu runners) also do.
const CHROMIUM = [process.env.N3X_CHROMIUM, '/usr/bin/chromium', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
// Flags from shared/design/dependencies.md: no sandbox as root, and no background traffic to outside hosts.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const work = mkdtempSync(join(tmpdir(), 'n3x-report-'));
// Boot, a nemesis whose crash costs a cold boot, and the failing test, under TCG.
const NESTED_RUN_S = 1500;
afterAll(() => rmSync(work, { recursive: true, force: true }));
// The nested Vitest's own temp dir (`<TMPDIR>/<id>/ssr`; a run that dies leaves it) goes into `work` with the rest.
const nestedTmp = join(work, 'tmp');
mkdirSync(nestedTmp);

describe.sequential('run report', () => {
  let index = '';
  let out = '';

  it('a nested run of the bonding-vlans fixture writes index.html and report.json (with its per-file timings) and prints the link last', async () => {
    const r = await execa('npx', ['vitest', 'run', '--config', 'fixtures/report/vitest.config.ts'], {
      env: { N3X_STATE_DIR: join(work, 'state'), N3X_ARTIFACTS: join(work, 'artifacts'), TMPDIR: nestedTmp },
      reject: false,
      all: true,
    });
    out = String(r.all);
    expect(r.exitCode, out.slice(-3000)).toBe(1);
    const last = out.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^n3x report: file:\/\/\/.*\/report\/index\.html$/);
    index = fileURLToPath(last.replace('n3x report: ', ''));
    expect(index).toBe(join(work, 'artifacts', 'report', 'index.html'));
    const data = JSON.parse(readFileSync(join(work, 'artifacts', 'report', 'report.json'), 'utf8')) as ReportData;
    expect(data.counts).toMatchObject({ files: 1, passed: 2, failed: 1, skipped: 1 });
    const [cluster] = data.files[0].clusters;
    const atFailure = cluster.atFailure!.topology; // the faults in force when the test failed
    expect(atFailure.machines.map((m) => m.name)).toEqual(['n100-1', 'n100-2', 'n100-3']);
    expect(atFailure.machines[1].nics.find((n) => n.name === 'eth1')?.up).toBe(false);
    expect(atFailure.partitions).toEqual([{ a: ['n100-1'], b: ['n100-3'] }]);
    expect(atFailure.machines[2].netem['bond0.200']).toEqual({ delayMs: 50, jitterMs: 10 });
    expect(cluster.topology.partitions).toEqual([]); // useCluster resets faults after each test
    expect(cluster.topology.machines[1].nics.every((n) => n.up)).toBe(true);
    for (const m of cluster.machines) {
      expect(m.boots[0].serial?.phases.map((p) => p.name)).toEqual(['kernel', 'initramfs', 'systemd', 'backdoor']);
      expect(m.boots[0].readyMs).toBeGreaterThan(0);
      // Host-clock phases, consecutive, adding up to the whole boot (network set-up included).
      expect(m.boots[0].phases?.map((p) => p.name)).toEqual(['firmware', 'kernel', 'initramfs', 'systemd', 'setup']);
      expect(m.boots[0].phases!.reduce((a, p) => a + p.ms, 0)).toBe(m.boots[0].doneMs);
      expect(existsSync(join(work, 'artifacts', 'report', m.serial!.file!))).toBe(true);
    }
    const seq = cluster.machines[1].commands.find((c) => c.command.text === 'seq 1 30000');
    expect(seq?.stdout.omitted).toBeGreaterThan(0);
    expect(readFileSync(join(work, 'artifacts', 'report', seq!.stdout.file!), 'utf8').split('\n')).toHaveLength(30001);
    const tl = data.files[0].timeline!;
    expect(tl.lanes.map((l) => l.machine)).toEqual(['n100-1', 'n100-2', 'n100-3']);
    expect(new Set(tl.lanes.flatMap((l) => l.spans.map((s) => s.kind)))).toEqual(new Set(['partition', 'link', 'netem', 'down', 'clock']));
    expect(tl.nemeses.map((n) => [n.seed, n.faults.length, n.faults.every((f) => f.to !== undefined && !f.open), n.error])).toEqual([[2303, 5, true, undefined]]);
    expect(tl.tests.filter((t) => t.failedAt).map((t) => data.files[0].tests.find((x) => x.id === t.test)?.name)).toEqual(['fails on purpose after cutting a link, shaping and partitioning']);
    // Timings: the cold boots are seen (the first three overlap and count once as wall time: less than the sum of every
    // cold boot, the nemesis's restart included), and the parts add up to the file's wall time.
    const t = data.timings.files[0];
    const cold = cluster.machines.flatMap((m) => m.boots.filter((b) => !b.restored).map((b) => b.doneMs / 1000));
    expect(t.boot).toBeGreaterThanOrEqual(Math.max(...cluster.machines.map((m) => m.boots[0].doneMs / 1000)) - 0.1);
    expect(t.boot).toBeLessThan(cold.reduce((a, b) => a + b, 0));
    expect(Math.abs(t.image + t.boot + t.restore + t.test + t.other - t.wall)).toBeLessThan(0.5);
    cpSync(join(work, 'artifacts', 'report'), join(artifactsDir(), 'report-fixture'), { recursive: true });
  }, NESTED_RUN_S * 1000);

  it('headless Chromium shows every machine and VLAN interface, the failure with its serial tail, the timeline, and loads nothing remote', async (ctx) => {
    if (!CHROMIUM) return ctx.skip('no /usr/bin/chromium: apt-get install chromium (ci/setup.sh installs it), or set N3X_CHROMIUM');
    expect(index, 'the nested run above must have written a report').not.toBe('');
    const { chromium } = await import('playwright-core');
    const launchMs = 60_000; // playwright counts in milliseconds
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: launchMs });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      await page.goto(`file://${index}`);
      expect(await page.getByText(/^topology when ".*fails on purpose.*" failed$/).isVisible()).toBe(true);
      const topo = page.locator('svg.topo').first(); // the one at the failure: the end state is collapsed below it
      expect(await topo.isVisible()).toBe(true);
      const shown = async (text: string) => topo.locator('text', { hasText: text }).first().isVisible();
      for (let i = 1; i <= 3; i++) {
        expect(await shown(`n100-${i}`), `machine n100-${i}`).toBe(true);
        expect(await shown(`192.168.200.${i}/24`), `bond0.200 address of n100-${i}`).toBe(true);
        expect(await shown(`192.168.100.${i}/24`), `bond0.100 address of n100-${i}`).toBe(true);
      }
      expect(await topo.locator('text', { hasText: /^bond0\.200$/ }).count()).toBe(3);
      expect(await topo.locator('text', { hasText: /^bond0\.100$/ }).count()).toBe(3);
      expect(await topo.locator('text', { hasText: /^bond0$/ }).count()).toBe(3);
      expect(await shown('LINK CUT')).toBe(true);
      expect(await shown('netem delay 50±10ms')).toBe(true);
      expect(await shown('partition: A = n100-1')).toBe(true);

      const failure = page.locator('.failure').first();
      expect(await failure.isVisible()).toBe(true);
      const failureText = await failure.innerText();
      expect(failureText).toContain("expected 'n100-2' to be 'not-this-host'");
      expect(failureText).toContain('serial tail of n100-2');
      expect(failureText).toMatch(/\[\s*\d+\.\d+\] n3x-report-fixture: about to fail/);
      expect(await page.getByText('skipped: no k3s binary in this fixture').isVisible()).toBe(true);
      await expectTimeline(page, {
        machines: ['n100-1', 'n100-2', 'n100-3'],
        command: { machine: 'n100-2', text: 'seq 1 30000' },
        spans: ['partition', 'link', 'netem', 'down', 'clock'],
        link: { machine: 'n100-2', label: 'link eth1 cut' },
        tests: ['reaches every peer over bond0.200 and bond0.100', 'a seeded nemesis runs every fault kind and heals them', 'fails on purpose after cutting a link, shaping and partitioning'],
        failed: 'fails on purpose after cutting a link, shaping and partitioning',
        nemesis: { seed: 2303, faults: 5 },
      });
      await page.locator('svg.timeline').first().screenshot({ path: join(artifactsDir(), 'report-timeline.png') });
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);

      await page.screenshot({ path: join(artifactsDir(), 'report-screenshot.png'), fullPage: true });
      await page.locator('section.file').first().screenshot({ path: join(artifactsDir(), 'report-top.png') });
    } finally {
      await browser.close();
    }
  });
});
