/** The `n3x` command: run the main job, manage images, check the host. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import { detectAccel } from '../accel.js';
import { N3xError } from '../errors.js';
import { ensureImage, listImages, pruneImages } from '../images/cache.js';
import { chooseMainJob } from './mainjob.js';
import { doctor } from './doctor.js';
import { fetchK3s } from '../k3s/fetch.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const program = new Command('n3x').description('n3x harness: multi-node QEMU clusters for tests').showHelpAfterError();

program
  .command('run')
  .description('run the main job: k3s-vlans when a k3s binary is available, otherwise the etcd HA scenario on the vlans profile')
  .argument('[scenario]', 'scenario file name under scenarios/ (default: chosen automatically)')
  .action(async (scenario?: string) => {
    const job = chooseMainJob(process.env, (f) => existsSync(`${root}/scenarios/${f}.test.ts`), scenario);
    console.log(`n3x run: ${job.scenario} — ${job.why}`);
    const r = await execa('npx', ['vitest', 'run', '--project', 'vm', `scenarios/${job.scenario}`], { cwd: root, stdio: 'inherit', reject: false, env: job.env });
    console.log(`n3x run: ${job.scenario} ${r.exitCode === 0 ? 'passed' : 'FAILED'}; serial logs and failure dumps: ${root}artifacts/ (kept on failure), state: $N3X_STATE_DIR or /tmp/n3x-$UID`);
    process.exitCode = r.exitCode ?? 1;
  });

const images = program.command('images').description('build, list and prune cached guest images');
images
  .command('build')
  .description('build the base image (no-op on a cache hit)')
  .option('--rebuild', 'build even when cached')
  .option('--quiet', 'print nothing on a cache hit')
  .action(async (o: { rebuild?: boolean; quiet?: boolean }) => {
    const t0 = Date.now();
    const img = await ensureImage(undefined, { rebuild: o.rebuild });
    const ms = Date.now() - t0;
    if (!o.quiet || ms > 1000) console.log(`image ${img.id}: ${img.disk} (${ms} ms)`);
  });
images
  .command('list')
  .description('list cached images')
  .action(() => {
    const l = listImages();
    if (!l.length) console.log('no cached images (npx n3x images build)');
    for (const i of l) console.log(`${i.current ? '*' : ' '} ${i.name}  ${i.sizeMiB} MiB  built ${i.builtAt ?? '?'}  ${i.dir}`);
  });
images
  .command('prune')
  .description('remove cached images no current recipe uses')
  .option('--all', 'remove every cached image')
  .action((o: { all?: boolean }) => {
    const gone = pruneImages(o);
    console.log(gone.length ? `removed ${gone.join(', ')}` : 'nothing to prune');
  });

images
  .command('fetch-k3s')
  .description('download the official k3s release assets into the cache and verify them against the release sha256 list')
  .option('--version <v>', 'k3s release, e.g. v1.31.4+k3s1 (default N3X_K3S_VERSION or the pinned default)')
  .option('--airgap', 'also fetch k3s-airgap-images-amd64.tar.zst (system images for clusters without registry access)')
  .option('--base-url <url>', 'release download base (a mirror)')
  .action(async (o: { version?: string; airgap?: boolean; baseUrl?: string }) => {
    const r = await fetchK3s({ version: o.version, airgap: o.airgap, baseUrl: o.baseUrl });
    console.log(`k3s verified and cached: ${r.files.join(', ')}`);
  });

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
