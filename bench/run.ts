/**
 * `npm run bench`: JSON on stdout (logs on stderr). Measures boot-to-ready (1 VM), succeed('true') round trips,
 * file transfer (100 MiB both ways via the 9p shared dir and the console, MB/s), image build cold and cache hit and a
 * derived image (the base + one package set) cold, 3-node cold boot to all-ready, and cold boot + etcd formation vs snapshot
 * restore of the same 3-node cluster, and boot/round trip per guest architecture (`--arch x86_64|aarch64`, repeatable;
 * default both; `--no-arch` skips it), and the per-test checkpoint cost of 3 nodes (bench/checkpoint.ts).
 * `--skip-cold-build` skips the ~90 s build and the derived one; `--only roundtrip` runs only the one-VM boot and
 * round trips (with nixosTest's command framing over the same channel as a baseline); `--only checkpoint` only the checkpoint cost;
 * `--compare previous.json` prints every figure with its ratio to that earlier run (on stderr). Each figure with a
 * target of issue 28 is listed with it (bench/targets.ts): `targets` in the JSON, a table on stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectAccel } from '../harness/accel.js';
import { ensureImage, type ImageFiles } from '../harness/images/cache.js';
import { debianRecipe, withPackages } from '../harness/images/recipe.js';
import { Machine } from '../harness/machine/machine.js';
import { startCluster, type Cluster } from '../harness/cluster/cluster.js';
import { stateRoot } from '../harness/util/paths.js';
import { ETCD_FORMED, waitHealthy } from '../scenarios/lib/etcd.js';
import { chooseBackend } from '../harness/network/backend.js';
import { measureTransfer } from './transfer.js';
import { archesFromArgs, measureArches } from './arch.js';
import { measureRoundTrips } from './roundtrip.js';
import { compareFigures, formatComparison } from './compare.js';
import { measureCheckpoints } from './checkpoint.js';
import { formatTargets, targetRows } from './targets.js';

const { values: opts } = parseArgs({
  options: { 'skip-cold-build': { type: 'boolean' }, only: { type: 'string' }, compare: { type: 'string' }, arch: { type: 'string', multiple: true }, 'no-arch': { type: 'boolean' } },
});
if (opts.only !== undefined && opts.only !== 'roundtrip' && opts.only !== 'checkpoint') throw new Error(`bench: --only ${opts.only} is not known; use --only roundtrip or --only checkpoint`);
const only = opts.only;
const previous: unknown = opts.compare ? JSON.parse(readFileSync(opts.compare, 'utf8')) : undefined; // fail before the run, not after
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(2));
};
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  accel: detectAccel(),
  backend: chooseBackend().kind,
  host: { cpus: (await import('node:os')).cpus().length },
};
/** Cold and restored clusters are timed the same number of times, to the same end point (etcd healthy everywhere). */
const RUNS = Number(process.env.N3X_BENCH_RUNS ?? 3);

/** Each machine's boot phases (host clock, ms): firmware, kernel, initramfs, systemd, setup. */
const phasesOf = (c: Cluster) => Object.fromEntries(c.machines.map((m) => [m.name, m.bootPhases?.phases]));

async function timeIt<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, Math.round(performance.now() - t0)];
}

/** The derived image's package set: one the scenarios use (keepalived: the k3s and nixpkgs/keepalived images). */
const DERIVED_PACKAGES = ['keepalived'];

// Image: cold build into a throwaway cache, then a cache hit, then a derived image built on that base (its cold build).
if (!opts['skip-cold-build'] && !only) {
  const saved = process.env.N3X_CACHE_DIR;
  const tmp = mkdtempSync(join(tmpdir(), 'n3x-bench-cache-'));
  process.env.N3X_CACHE_DIR = tmp;
  try {
    const [, cold] = await timeIt(() => ensureImage());
    const [, hit] = await timeIt(() => ensureImage());
    const [, derived] = await timeIt(() => ensureImage(withPackages(debianRecipe, DERIVED_PACKAGES)));
    results.imageBuild = { coldMs: cold, cacheHitMs: hit, derivedPackages: DERIVED_PACKAGES, derivedColdMs: derived };
  } finally {
    if (saved === undefined) delete process.env.N3X_CACHE_DIR;
    else process.env.N3X_CACHE_DIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
}
const [image, hitMs] = await timeIt(() => ensureImage());
results.imageCacheHitMs = hitMs;

// Per-test checkpoints (N3X_CHECKPOINTS=each-test): 3 nodes on simple, RUNS + 2 checkpoints, then a full snapshot.
if (!only || only === 'checkpoint') {
  const memoryMiB = 1024;
  const c = await startCluster({ profile: 'simple', nodes: 3, memoryMiB });
  try {
    results.checkpointPerTest = await measureCheckpoints(c, RUNS + 2, memoryMiB);
    const r = results.checkpointPerTest as Awaited<ReturnType<typeof measureCheckpoints>>;
    console.error(`bench: a checkpoint of 3 nodes adds ${r.checkpointMs.medianMs} ms per test (median of ${r.checkpointMs.n}; a full snapshot ${r.fullSnapshotMs} ms), ${r.checkpointMB.join('/')} MB each`);
  } finally {
    await c.stop();
  }
}

// One VM: boot to backdoor ready, then 200 round trips.
if (only !== 'checkpoint') {
  const m = new Machine({ name: 'bench', image: image as ImageFiles, stateDir: join(stateRoot(), `bench-${process.pid}`) });
  try {
    const [, bootMs] = await timeIt(() => m.start());
    const rt = await measureRoundTrips(m, 200);
    results.singleVm = { bootToReadyMs: bootMs, bootPhases: m.bootPhases?.phases, ...rt };
    console.error(`bench: succeed('true') median ${rt.succeedTrue.medianMs} ms, nixosTest framing ${rt.nixosFraming.succeedTrue.medianMs} ms: n3x/nixos ${rt.n3xOverNixos.succeedTrue}`);
    console.error(`bench: succeed('/bin/true') median ${rt.succeedBinTrue.medianMs} ms, nixosTest framing ${rt.nixosFraming.succeedBinTrue.medianMs} ms: n3x/nixos ${rt.n3xOverNixos.succeedBinTrue}`);
    console.error(`bench: one /bin/true inside the guest costs ${rt.guestForkExecBinTrueMs} ms; succeed('/bin/true') adds ${rt.succeedBinTrueOverForkMs} ms`);
    // 100 MiB both ways, through the 9p shared directory and through the console (MB/s).
    if (!only) results.fileTransfer100MiB = await measureTransfer(m, 100);
  } finally {
    await m.destroy();
  }
}

// Per guest architecture, same run (bench/arch.ts): x86_64 and emulated aarch64 boot-to-ready and round trips.
if (!only && !opts['no-arch']) results.perArch = await measureArches(archesFromArgs(process.argv.slice(2)));

// Three nodes on the vlans profile: cold boot to all ready (network configured).
if (!only) {
  const [c, ms] = await timeIt(() => startCluster({ profile: 'vlans', nodes: 3 }));
  results.threeNodeVlans = { coldBootToAllReadyMs: ms, perMachineMs: Object.fromEntries(c.machines.map((m) => [m.name, m.lastBootMs])), bootPhases: phasesOf(c) };
  await c.stop();
}

// Snapshots, same run: cold boot + etcd formation vs restoring the formed cluster (throwaway snapshot cache).
if (!only) {
  const saved = process.env.N3X_SNAPSHOT_DIR;
  const tmp = mkdtempSync(join(tmpdir(), 'n3x-bench-snap-'));
  process.env.N3X_SNAPSHOT_DIR = tmp;
  try {
    const opts = { profile: 'vlans', nodes: 3, snapshot: ETCD_FORMED } as const;
    const healthy = (c: Cluster) => Promise.all(c.machines.map((m) => waitHealthy(m)));
    const colds: number[] = [];
    const coldPhases: ReturnType<typeof phasesOf>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const tCold = performance.now();
      const cold = await startCluster({ ...opts, snapshot: undefined });
      await ETCD_FORMED.setup!(cold);
      await healthy(cold);
      colds.push(Math.round(performance.now() - tCold));
      coldPhases.push(phasesOf(cold));
      await cold.stop();
    }
    // Build the cached snapshot (boot + form + save), then restore it RUNS times, each until etcd is healthy.
    const first = await startCluster(opts);
    await first.stop();
    const restores: number[] = [];
    const inner: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const [c, ms] = await timeIt(async () => {
        const r = await startCluster(opts);
        await healthy(r);
        return r;
      });
      if (!c.restoredFrom) throw new Error('bench: expected a restore');
      restores.push(ms);
      inner.push(c.restoredFrom.ms);
      await c.stop();
    }
    const coldMs = quantile(colds, 0.5);
    const restoreMs = quantile(restores, 0.5);
    results.snapshots = {
      endPoint: 'etcd endpoint health on every member',
      runs: RUNS,
      coldBootAndFormMs: colds,
      coldMedianMs: coldMs,
      coldBootPhases: coldPhases,
      restoreMs: restores,
      restoreMedianMs: restoreMs,
      restoreInnerMs: inner,
      speedup: Number((coldMs / restoreMs).toFixed(1)),
    };
  } finally {
    if (saved === undefined) delete process.env.N3X_SNAPSHOT_DIR;
    else process.env.N3X_SNAPSHOT_DIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
}

const targets = targetRows(results);
results.targets = targets;
console.error(`\nbench: figures and their targets (issue 28)\n${formatTargets(targets)}`);
const json = JSON.stringify(results, null, 2);
console.log(json);
if (process.env.N3X_BENCH_OUT) writeFileSync(process.env.N3X_BENCH_OUT, json);
if (previous !== undefined) console.error(`\nbench: compared with ${opts.compare}\n${formatComparison(compareFigures(previous, results))}`);
