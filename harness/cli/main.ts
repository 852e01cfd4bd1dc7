/** The `n3x` command: run the main job, manage images, check the host, read a run's timings. */
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import { detectAccel } from '../accel.js';
import { N3xError } from '../errors.js';
import { ensureImage, listImages, pruneImages } from '../images/cache.js';
import { cacheRoot } from '../util/paths.js';
import { debianRecipe, withArch, withPackages } from '../images/recipe.js';
import { allScenarioNeeds, imagePlan, planId, recipeOf } from '../images/plan.js';
import { archProfile, parseArch } from '../qemu/arch.js';
import { age, listSnapshots, pruneSnapshots, snapshotCacheDir } from '../cluster/snapshot.js';
import { chooseMainJob } from './mainjob.js';
import { doctor } from './doctor.js';
import { fetchK3s } from '../k3s/fetch.js';
import { Cluster, startCluster } from '../cluster/cluster.js';
import { listClusters, stopAllClusters, stopCluster } from '../cluster/registry.js';
import type { ReapReport } from '../cluster/reap.js';
import { openRepl } from '../repl/repl.js';
import { checkpointsCommand, openCheckpointRepl } from './checkpoints.js';
import { timingsCommand } from './timings.js';
import { parseNodeList } from './nodelist.js';
import { stateRoot } from '../util/paths.js';
import { profileName } from '../../profiles/index.js';
import { ConfigError } from '../errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const program = new Command('n3x')
  .description('n3x harness: multi-node QEMU clusters for tests')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nRun it from the n3x checkout: `npm run n3x -- <command>` or `npx n3x <command>` (npx finds the local bin there;\n' +
      'outside the checkout npx would look for an unrelated package named n3x in the registry). Installed as a\n' +
      'dependency of your project: `npx n3x` works from your project root.',
  );

program
  .command('run')
  .description('run the main job: k3s-vlans when a k3s binary is available, otherwise the etcd HA scenario on the vlans profile')
  .argument('[scenario]', 'scenario file name under scenarios/ (default: chosen automatically)')
  .action(async (scenario?: string) => {
    const available = () => readdirSync(`${root}/scenarios`).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, '')).sort();
    const job = chooseMainJob(process.env, (f) => existsSync(`${root}/scenarios/${f}.test.ts`), scenario, available);
    console.log(`n3x run: ${job.scenario} — ${job.why}`);
    const r = await execa('npx', ['vitest', 'run', '--project', 'vm', `scenarios/${job.scenario}`], { cwd: root, stdio: 'inherit', reject: false, env: job.env });
    console.log(`n3x run: ${job.scenario} ${r.exitCode === 0 ? 'passed' : 'FAILED'}; serial logs and failure dumps: ${root}artifacts/ (kept on failure), state: $N3X_STATE_DIR or /tmp/n3x-$UID`);
    process.exitCode = r.exitCode ?? 1;
  });

const images = program.command('images').description('build, list and prune cached guest images');
images
  .command('build')
  .description('build the base image, or a derived one with extra packages (no-op on a cache hit)')
  .option('--rebuild', 'build even when cached')
  .option('--quiet', 'print nothing on a cache hit')
  .option('--packages <names...>', 'extra Debian packages (a derived image, as NodeSpec.packages builds)')
  .option('--arch <arch>', 'guest architecture: x86_64 (default) or aarch64 (arm64, built under qemu-user: slow)', 'x86_64')
  .action(async (o: { rebuild?: boolean; quiet?: boolean; packages?: string[]; arch: string }) => {
    const t0 = Date.now();
    const img = await ensureImage(withPackages(withArch(debianRecipe, parseArch(o.arch, '--arch')), o.packages), { rebuild: o.rebuild });
    const ms = Date.now() - t0;
    if (!o.quiet || ms > 1000) console.log(`image ${img.id}: ${img.disk} (${ms} ms)`);
  });
images
  .command('plan')
  .description('every image the scenario files need, with its hash, computed without building (CI builds each once)')
  .option('--json', 'machine-readable: [{ id, name, hash, recipe, arch, packages, scenarios }]')
  .option('--scenario <name>', 'only the images this scenario needs')
  .option('--id <id>', 'only this planned image')
  .option('--missing', 'print the ids of the planned images not in the cache, one a line')
  .option('--k3s', "with --scenario: the k3s architectures it requires (amd64, arm64), one a line")
  .option('--github-output <file>', 'append image1..imageN=<cache name>, host-needs=… and k3s=… (CI restore steps)')
  .action((o: { json?: boolean; scenario?: string; id?: string; missing?: boolean; k3s?: boolean; githubOutput?: string }) => {
    const needs = allScenarioNeeds();
    const one = needs.find((n) => n.scenario === o.scenario);
    if (o.scenario && !one) throw new ConfigError('--scenario', `no scenarios/${o.scenario}.test.ts`, `use one of ${needs.map((n) => n.scenario).join(', ')}`);
    const plan = imagePlan(needs).filter((p) => (!o.scenario || p.scenarios.includes(o.scenario)) && (!o.id || planId(p) === o.id));
    if (o.id && !plan.length) throw new ConfigError('--id', `'${o.id}' is not in the images plan`, `use one of ${imagePlan(needs).map(planId).join(', ')}`);
    if (o.k3s) return one?.k3s.forEach((a) => console.log(a));
    if (o.missing) return plan.filter((p) => !existsSync(join(cacheRoot(), 'images', p.name, 'complete'))).forEach((p) => console.log(planId(p)));
    if (o.githubOutput) {
      const lines = plan.map((p, i) => `image${i + 1}=${p.name}`);
      if (one) lines.push(`host-needs=${one.hostNeeds.join(',')}`, `k3s=${one.k3s.join(',')}`);
      return appendFileSync(o.githubOutput, lines.map((l) => `${l}\n`).join(''));
    }
    if (o.json) return console.log(JSON.stringify(plan.map((p) => ({ id: planId(p), ...p }))));
    for (const p of plan) console.log(`${planId(p).padEnd(32)} ${p.name}  ${p.scenarios.join(' ')}`);
  });
images
  .command('build-planned')
  .description('build one image of the plan by its id (CI prepare stage; a cache hit is a no-op)')
  .argument('<id>', 'plan id, e.g. debian-x86_64 or debian-x86_64+keepalived (npx n3x images plan)')
  .action(async (id: string) => {
    const p = imagePlan().find((x) => planId(x) === id);
    if (!p) throw new ConfigError('id', `'${id}' is not in the images plan`, `use one of ${imagePlan().map(planId).join(', ')}`);
    const img = await ensureImage(recipeOf(p));
    console.log(`image ${img.id}: ${img.disk}`);
  });
images
  .command('list')
  .description('list cached images')
  .action(() => {
    const l = listImages();
    if (!l.length) console.log('no cached images (npx n3x images build)');
    for (const i of l) console.log(`${i.current ? '*' : ' '} ${i.name}  ${i.arch}  ${i.sizeMiB} MiB  built ${i.builtAt ?? '?'}  ${i.packages.length ? `derived: + ${i.packages.join(' ')}  ` : ''}${i.dir}`);
  });
images
  .command('prune')
  .description('remove cached images no current recipe uses')
  .option('--all', 'remove every cached image')
  .action((o: { all?: boolean }) => {
    const gone = pruneImages(o);
    console.log(gone.length ? `removed ${gone.join(', ')}` : 'nothing to prune');
  });

const snapshots = program.command('snapshots').description('list and prune cached whole-cluster snapshots');
snapshots
  .command('list')
  .description('list cached snapshots (name, key, age, size)')
  .action(() => {
    const l = listSnapshots();
    if (!l.length) console.log(`no cached snapshots in ${snapshotCacheDir()}`);
    for (const s of l) console.log(`${s.name}  ${s.key}  ${age(s.createdAt)}  ${(s.bytes / 1e6).toFixed(0)} MB  ${s.dir}`);
  });
snapshots
  .command('prune')
  .description('remove cached snapshots (all, or older than --older-than hours)')
  .option('--older-than <hours>', 'only snapshots older than this many hours', '0')
  .action((o: { olderThan: string }) => {
    const gone = pruneSnapshots(Number(o.olderThan) * 3600_000);
    console.log(gone.length ? `removed ${gone.length} snapshot(s)` : 'nothing to prune');
  });

checkpointsCommand(program);
timingsCommand(program);

images
  .command('fetch-k3s')
  .description('download the official k3s release assets into the cache and verify them against the release sha256 list')
  .option('--version <v>', 'k3s release, e.g. v1.31.4+k3s1 (default N3X_K3S_VERSION or the pinned default)')
  .option('--airgap', 'also fetch k3s-airgap-images-<arch>.tar.zst (system images for clusters without registry access)')
  .option('--arch <arch>', 'amd64 (default) or arm64 (for aarch64 machines; N3X_K3S_BINARY_ARM64 overrides it)', 'amd64')
  .option('--base-url <url>', 'release download base (a mirror)')
  .action(async (o: { version?: string; airgap?: boolean; baseUrl?: string; arch: string }) => {
    const r = await fetchK3s({ version: o.version, airgap: o.airgap, baseUrl: o.baseUrl, arch: archProfile(parseArch(o.arch, '--arch')).debian });
    console.log(`k3s verified and cached: ${r.files.join(', ')}`);
  });

program
  .command('repl')
  .description('boot a cluster and open a REPL on it (exiting stops it)')
  .option('--profile <name>', 'network profile', 'vlans')
  .option('--nodes <list>', 'node count, or comma-separated names each with its VLANs (client:1,router:2+1,server:2)', '3')
  .option('--network <backend>', 'bridge or vde')
  .option('--keep', 'leave the cluster running on exit (attach again later)')
  .action(async (o: { profile: string; nodes: string; network?: 'bridge' | 'vde'; keep?: boolean }) => {
    const nodes = parseNodeList(o.nodes);
    const c = await startCluster({ profile: profileName(o.profile), nodes, network: o.network });
    await openRepl(c, { onExit: o.keep ? 'detach' : 'stop' });
    process.exit(0);
  });

program
  .command('attach')
  .description('open the REPL on a running (kept) cluster, exiting leaves it running; or, with --checkpoint, on the cluster as it was before a test (exiting stops it)')
  .argument('[id]', 'cluster id (npx n3x ls)')
  .option('--stop', 'stop the cluster when the REPL exits')
  .option('--checkpoint <id>', "restore a test's checkpoint (npx n3x checkpoints list) and list the test's recorded steps; .replay runs them")
  .option('--keep', 'with --checkpoint: leave the restored cluster running on exit')
  .action(async (id: string | undefined, o: { stop?: boolean; checkpoint?: string; keep?: boolean }) => {
    if (o.checkpoint) {
      await openCheckpointRepl(o.checkpoint, o.keep ? 'detach' : 'stop');
      process.exit(0);
    }
    if (!id) throw new ConfigError('id', 'missing cluster id', 'see `npx n3x ls`, or give --checkpoint <id>');
    const c = await Cluster.attach(id);
    await openRepl(c, { onExit: o.stop ? 'stop' : 'detach' });
    process.exit(0);
  });

program
  .command('ls')
  .description('list clusters under the state root: running, kept, orphaned (owner killed) or stale; removes nothing')
  .option('--json', 'machine-readable')
  .action((o: { json?: boolean }) => {
    const l = listClusters();
    const rows = l.map((e) => ({ id: e.id, status: e.status, profile: e.descriptor?.profile.name ?? '?', machines: e.descriptor?.machines.map((m) => m.name) ?? [], qemuPids: e.qemuPids, ageS: e.ageS ?? null, stateDir: e.dir }));
    if (o.json) return console.log(JSON.stringify(rows));
    if (!l.length) return console.log(`no clusters in ${stateRoot()}`);
    for (const r of rows) console.log(`${r.id}  ${r.status.padEnd(8)}  ${r.profile.padEnd(13)}  ${r.machines.join(',') || '-'}  ${r.ageS ?? '?'}s  ${r.stateDir}`);
    if (rows.some((r) => r.status === 'orphaned' || r.status === 'stale')) console.log('orphaned/stale entries: remove them with `npx n3x stop --all` (or `npx n3x stop <id>`)');
  });

program
  .command('stop')
  .description('stop clusters: kill their QEMUs, stop their switches, remove their links and state')
  .argument('[id]', 'cluster id')
  .option('--all', 'everything of ours under the state root: by the records and by the QEMU/vde_switch processes and n3x links themselves')
  .action(async (id: string | undefined, o: { all?: boolean }) => {
    if (!o.all && !id) throw new ConfigError('id', 'missing cluster id', 'see `npx n3x ls`, or use --all');
    const reports = o.all ? await stopAllClusters() : [await stopCluster(id!)];
    if (!reports.length) console.log(`nothing to stop in ${stateRoot()}`);
    for (const r of reports) console.log(describeReap(r));
    if (reports.some((r) => r.survivors.length)) process.exitCode = 1;
  });

function describeReap(r: ReapReport): string {
  const id = r.dir.slice(r.dir.lastIndexOf('/') + 1);
  const parts = [`${r.qemus.length} QEMU`, `${r.switches.length} vde_switch`, `${r.links.length} link(s)`];
  return `stopped ${id}: ${parts.join(', ')}, removed ${r.dir}${r.survivors.length ? `; still running after SIGKILL: ${r.survivors.join(' ')}` : ''}`;
}

program
  .command('doctor')
  .description('check the host: QEMU, accelerator, network backend, image cache')
  .action(async () => {
    process.exitCode = (await doctor()) ? 0 : 1;
  });

program
  .command('accel')
  .description('print the accelerator n3x would use and why')
  .action(() => {
    const a = detectAccel();
    console.log(`${a.accel}: ${a.reason}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof N3xError) {
    console.error(`n3x: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
