/**
 * The pristine-root rehearsal (`npm run rehearse`): a minimal Debian root made once with mmdebstrap stands in for a
 * hosted runner (Ubuntu's archive is out of reach here; ci/README.md lists what that leaves unrehearsed). This
 * machine's node is put in it, and then, as root in a chroot inside a private mount namespace:
 *   job <name> [key=value…]  a workflow job's steps exactly as written, in order: `run:` steps through
 *                            `bash --noprofile --norc -eo pipefail` (GitHub's shell), `sudo` a pass-through as root,
 *                            `uses:` steps replaced by what they do (checkout: a clean copy of HEAD; setup-node: node
 *                            on PATH; cache restore/save: a local cache dir; upload-artifact: a copy under the out dir)
 *   readme                   the README's set-up (ci/setup.sh, as `npm start` runs it before its VM) and
 *                            `npm test -- --project unit`, as root and then as a fresh non-root user
 * Options: --kvm binds /dev/kvm in (absent by default: a VM job must stop at its KVM check); --workflow=FILE reads
 * the job from another file (a deliberately broken copy, to see the rehearsal fail). Boots no VM.
 * Writes step timings to artifacts/rehearsal/<what>.json. Root only (chroot, mounts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { condition, interpolate, type Contexts } from './gh-expr.js';
import type { Step, Workflow } from './workflow-checks.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cache = process.env.N3X_REHEARSAL_CACHE ?? '/var/cache/n3x-rehearsal';
const out = join(repo, 'artifacts', 'rehearsal');
const WORKSPACE = '/home/runner/work/n3x';
/** The runner stand-in: Debian's minimal base plus what every runner image has (git, openssl, CA certificates). */
const ROOT_RECIPE = ['--variant=minbase', '--include=git,openssl,ca-certificates', 'bookworm'];
const MIRROR = process.env.N3X_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

const sh = (cmd: string, args: string[], opts: { input?: string } = {}) => execFileSync(cmd, args, { stdio: opts.input ? ['pipe', 'inherit', 'inherit'] : 'inherit', input: opts.input });
const secs = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

/** The cached root tarball, built on first use. */
function rootTar(): string {
  const tar = join(cache, `runner-root-${createHash('sha256').update(ROOT_RECIPE.join(' ')).digest('hex').slice(0, 12)}.tar`);
  if (existsSync(tar)) return tar;
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap'], { stdio: 'ignore' }).status !== 0) throw new Error('mmdebstrap is missing: apt-get install mmdebstrap');
  mkdirSync(cache, { recursive: true });
  console.log(`rehearse: building the runner stand-in root once (mmdebstrap ${ROOT_RECIPE.join(' ')})`);
  sh('mmdebstrap', ['--quiet', ...ROOT_RECIPE, `${tar}.tmp`, MIRROR]);
  sh('mv', [`${tar}.tmp`, tar]);
  return tar;
}

/** A fresh root from the tarball, with this machine's node (binary, npm, headers) and a sudo pass-through. */
function freshRoot(): string {
  const tar = rootTar();
  const root = join(cache, `run-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  sh('tar', ['-xf', tar, '-C', root]);
  const node = process.execPath;
  cpSync(node, join(root, 'usr/bin/node'));
  const npmDir = join(dirname(dirname(node)), 'lib/node_modules/npm');
  cpSync(npmDir, join(root, 'usr/lib/node_modules/npm'), { recursive: true });
  sh('ln', ['-sf', '../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/bin/npm')]);
  sh('ln', ['-sf', '../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/bin/npx')]);
  // node-gyp would download these from nodejs.org on a runner; here they come with the node binary.
  if (existsSync('/usr/include/node')) cpSync('/usr/include/node', join(root, 'usr/include/node'), { recursive: true });
  // A stand-in for the runner's passwordless sudo: steps run as root, so it only runs its command.
  writeFileSync(join(root, 'usr/local/bin/sudo'), '#!/bin/sh\n# rehearsal stand-in for passwordless sudo (steps already run as root)\nwhile [ $# -gt 0 ]; do case $1 in -E|-n|-H) shift ;; *) break ;; esac; done\nexec "$@"\n', { mode: 0o755 });
  cpSync('/etc/resolv.conf', join(root, 'etc/resolv.conf'));
  // mmdebstrap writes no /etc/hosts; every runner has one (localhost).
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
  // This machine reaches the npm registry and Debian's mirror through its own CA bundle (a runner has the internet):
  // the root trusts what this machine trusts, and nothing else of the machine's configuration is copied.
  cpSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/ca-certificates.crt'));
  mkdirSync(join(root, WORKSPACE), { recursive: true });
  return root;
}

/** Runs a bash script in the root: private mount and PID namespaces, minimal /dev (+/dev/kvm with --kvm), proc, sys. */
function inRoot(root: string, script: string, env: Record<string, string>, opts: { kvm: boolean; user?: string }): number {
  mkdirSync(join(root, 'github'), { recursive: true });
  writeFileSync(join(root, 'github/step.sh'), `cd ${q(env.PWD)}\n${script}\n`, { mode: 0o755 });
  const npmCache = join(cache, 'npm');
  mkdirSync(npmCache, { recursive: true });
  const devs = ['null', 'zero', 'full', 'random', 'urandom', 'tty', ...(opts.kvm && existsSync('/dev/kvm') ? ['kvm'] : [])];
  const setup = [
    'set -e',
    `R=${root}`,
    // The root becomes this namespace's root by pivot_root, not chroot: a chrooted process may not create user
    // namespaces, which a non-root user's image build (mmdebstrap --mode=unshare) needs.
    'mount --bind "$R" "$R"',
    'mount -t tmpfs -o mode=755 dev "$R/dev"',
    ...devs.map((d) => `touch "$R/dev/${d}" && mount --bind /dev/${d} "$R/dev/${d}"`),
    'mkdir -p "$R/dev/pts" "$R/dev/shm" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" && ln -s pts/ptmx "$R/dev/ptmx" && mount -t tmpfs shm "$R/dev/shm"',
    'mount -t proc proc "$R/proc"',
    'mount -t sysfs sys "$R/sys" || true',
    `mkdir -p "$R/root/.npm" && mount --bind ${npmCache} "$R/root/.npm"`,
    'mkdir -p "$R/.oldroot" && cd "$R" && pivot_root . .oldroot && umount -l /.oldroot && cd /',
    `exec ${opts.user ? `/usr/sbin/runuser -u ${opts.user} -- ` : ''}env -i ${Object.entries(env).map(([k, v]) => `${k}=${q(v)}`).join(' ')} bash --noprofile --norc -eo pipefail /github/step.sh`,
  ].join('\n');
  return spawnSync('unshare', ['--mount', '--pid', '--fork', '--propagation', 'private', 'bash', '-c', setup], { stdio: 'inherit' }).status ?? 1;
}

/** Single-quoted for bash. */
const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** This machine's CA settings for node and OpenSSL (see freshRoot), when it has them. */
const CA_ENV: Record<string, string> = Object.fromEntries(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE'].filter((k) => process.env[k]).map((k) => [k, '/etc/ssl/certs/ca-certificates.crt']));

interface Timing { step: string; seconds: number; result: 'ok' | 'failed' | 'skipped' }

/** A workflow job's steps, in order, in a fresh root. Returns the exit status. */
export function rehearseJob(jobName: string, matrix: Record<string, string>, opts: { kvm: boolean; workflow?: string }): number {
  const wf = parse(readFileSync(opts.workflow ?? join(repo, '.github/workflows/scenarios.yml'), 'utf8')) as Workflow & { env?: Record<string, string> };
  const job = wf.jobs[jobName];
  if (!job) throw new Error(`no job '${jobName}' in the workflow: ${Object.keys(wf.jobs).join(', ')}`);
  const root = freshRoot();
  const gh = join(root, 'github');
  mkdirSync(gh, { recursive: true });
  const ctx: Contexts = { github: { workspace: WORKSPACE, event_name: 'push', ref: 'refs/heads/main' }, matrix, steps: {}, env: {}, strategy: { 'job-index': 0 }, needs: {}, runner: { temp: '/github/tmp' } };
  const envOf = (...layers: (Record<string, unknown> | undefined)[]) => {
    const e: Record<string, string> = {};
    for (const l of layers) for (const [k, v] of Object.entries(l ?? {})) e[k] = interpolate(String(v), { ...ctx, env: { ...(ctx.env as object), ...e } });
    return e;
  };
  ctx.env = envOf(wf.env, job.env);
  const timings: Timing[] = [];
  let status: 'success' | 'failure' = 'success';
  const t0 = Date.now();
  const posts: (() => void)[] = []; // actions' post steps (actions/cache saves), run after the job's steps
  job.steps.forEach((s: Step, i: number) => {
    const name = s.name ? interpolate(s.name, ctx) : s.uses ?? s.run!.split('\n')[0];
    if (!condition(s.if, ctx, status)) return timings.push({ step: name, seconds: 0, result: 'skipped' });
    const ts = Date.now();
    const stepEnv = { ...(ctx.env as Record<string, string>), ...envOf(s.env) };
    const w = Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, interpolate(String(v), { ...ctx, env: stepEnv })]));
    const outputs: Record<string, string> = {};
    let ok = true;
    console.log(`\n::rehearse:: step ${i + 1}: ${name}`);
    if (s.uses) ok = uses(s.uses, w, root, outputs, posts);
    else {
      const outFile = `/github/output-${i}`;
      writeFileSync(join(root, outFile), '');
      if (!existsSync(join(gh, 'env'))) writeFileSync(join(gh, 'env'), '');
      const env = { ...stepEnv, ...CA_ENV, PATH, HOME: '/root', PWD: WORKSPACE, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: WORKSPACE, GITHUB_OUTPUT: outFile, GITHUB_ENV: '/github/env', GITHUB_STEP_SUMMARY: '/github/summary.md', RUNNER_TEMP: '/github/tmp', LANG: 'C.UTF-8' };
      mkdirSync(join(gh, 'tmp'), { recursive: true });
      ok = inRoot(root, interpolate(s.run!, { ...ctx, env: stepEnv }), env, opts) === 0;
      for (const line of readFileSync(join(root, outFile), 'utf8').split('\n')) {
        const m = /^([\w-]+)=(.*)$/.exec(line);
        if (m) outputs[m[1]] = m[2];
      }
      // GITHUB_ENV lines (NAME=value) become env for later steps, as on a runner.
      for (const line of readFileSync(join(gh, 'env'), 'utf8').split('\n')) {
        const m = /^(\w+)=(.*)$/.exec(line);
        if (m) (ctx.env as Record<string, string>)[m[1]] = m[2];
      }
    }
    if (s.id) (ctx.steps as Record<string, unknown>)[s.id] = { outputs, outcome: ok ? 'success' : 'failure' };
    timings.push({ step: name, seconds: secs(ts), result: ok ? 'ok' : 'failed' });
    if (!ok) status = 'failure';
  });
  for (const post of posts.reverse()) post();
  report(`job-${jobName}${Object.values(matrix).map((v) => `-${v.replace(/\W/g, '_')}`).join('')}`, timings, secs(t0), status);
  rmSync(root, { recursive: true, force: true });
  return status === 'success' ? 0 : 1;
}

/** What a `uses:` step does, done here. */
function uses(action: string, w: Record<string, string>, root: string, outputs: Record<string, string>, posts: (() => void)[]): boolean {
  const [name] = action.split('@');
  const inRootPath = (p: string) => join(root, p.startsWith('/') ? p : join(WORKSPACE, p));
  const local = (key: string) => join(cache, 'actions-cache', key.replace(/[^\w.+-]/g, '_'));
  switch (name) {
    case 'actions/checkout':
      // A clean copy of the committed tree (what the runner checks out), nothing untracked or ignored.
      sh('bash', ['-c', `git -C ${JSON.stringify(repo)} archive --format=tar HEAD | tar -x -C ${JSON.stringify(join(root, WORKSPACE))}`]);
      return true;
    case 'actions/setup-node':
      // node is already on PATH in the root (this machine's); `cache: npm` is the bind-mounted local npm cache.
      return spawnSync('chroot', [root, 'node', '--version'], { stdio: 'inherit' }).status === 0;
    case 'actions/cache/restore': {
      const hit = existsSync(join(local(w.key), 'complete'));
      if (hit) cpSync(join(local(w.key), 'data'), inRootPath(w.path), { recursive: true });
      outputs['cache-hit'] = String(hit);
      console.log(`rehearse: cache ${w.key}: ${hit ? 'hit' : 'miss'}`);
      if (!hit && w['fail-on-cache-miss'] === 'true') return false;
      return true;
    }
    case 'actions/cache': {
      // Restore now (the exact key, else the newest entry under a restore-keys prefix); save in the post step.
      const prefixes = (w['restore-keys'] ?? '').split('\n').map((x) => x.trim()).filter(Boolean);
      const dir = join(cache, 'actions-cache');
      const entries = existsSync(dir) ? readdirSync(dir).filter((e) => existsSync(join(dir, e, 'complete'))) : [];
      const exact = local(w.key);
      const found = existsSync(join(exact, 'complete')) ? exact : prefixes.map((p) => entries.filter((e) => e.startsWith(p.replace(/[^\w.+-]/g, '_'))).map((e) => join(dir, e))[0]).find(Boolean);
      if (found) cpSync(join(found, 'data'), inRootPath(w.path), { recursive: true });
      outputs['cache-hit'] = String(found === exact);
      console.log(`rehearse: cache ${w.key}: ${found === exact ? 'hit' : found ? `restored ${found}` : 'miss'}`);
      if (found !== exact) posts.push(() => {
        if (!existsSync(inRootPath(w.path))) return;
        rmSync(exact, { recursive: true, force: true });
        cpSync(inRootPath(w.path), join(exact, 'data'), { recursive: true });
        writeFileSync(join(exact, 'complete'), '');
      });
      return true;
    }
    case 'actions/cache/save':
      rmSync(local(w.key), { recursive: true, force: true });
      cpSync(inRootPath(w.path), join(local(w.key), 'data'), { recursive: true });
      writeFileSync(join(local(w.key), 'complete'), '');
      return true;
    case 'actions/upload-artifact':
      if (existsSync(inRootPath(w.path))) cpSync(inRootPath(w.path), join(out, 'uploads', w.name), { recursive: true });
      return true;
    default:
      console.error(`rehearse: ${action} is not rehearsed: add what it does to ci/rehearse.ts`);
      return false;
  }
}

/** The README's set-up and unit tests as root, then as a fresh non-root user, in one fresh root. */
export function rehearseReadme(opts: { kvm: boolean }): number {
  const root = freshRoot();
  sh('bash', ['-c', `git -C ${JSON.stringify(repo)} archive --format=tar HEAD | tar -x -C ${JSON.stringify(join(root, WORKSPACE))}`]);
  const timings: Timing[] = [];
  const t0 = Date.now();
  const base = { ...CA_ENV, PATH, LANG: 'C.UTF-8' };
  const step = (what: string, script: string, user?: string) => {
    const ts = Date.now();
    const home = user ? `/home/${user}` : '/root';
    const ok = inRoot(root, script, { ...base, HOME: home, PWD: user ? `${home}/n3x` : WORKSPACE, USER: user ?? 'root' }, { ...opts, user }) === 0;
    timings.push({ step: what, seconds: secs(ts), result: ok ? 'ok' : 'failed' });
    return ok;
  };
  const ok =
    step('root: set-up of npm start (bash ci/setup.sh)', 'bash ci/setup.sh') &&
    step('root: npm test -- --project unit', 'npm test -- --project unit') &&
    step('root: add a fresh user', `useradd -m -s /bin/bash dev && usermod --add-subuids 200000-265535 --add-subgids 200000-265535 dev && cp -a ${WORKSPACE} /home/dev/n3x && rm -rf /home/dev/n3x/node_modules && chown -R dev: /home/dev/n3x`) &&
    step('dev: set-up of npm start (bash ci/setup.sh)', 'cd ~/n3x && bash ci/setup.sh', 'dev') &&
    step('dev: npm test -- --project unit', 'cd ~/n3x && npm test -- --project unit', 'dev');
  report('readme', timings, secs(t0), ok ? 'success' : 'failure');
  rmSync(root, { recursive: true, force: true });
  return ok ? 0 : 1;
}

function report(what: string, timings: Timing[], total: number, status: string): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${what}.json`), JSON.stringify({ what, status, totalSeconds: total, steps: timings }, null, 2));
  console.log(`\nrehearsal ${what}: ${status} in ${total} s`);
  for (const t of timings) console.log(`  ${t.result.padEnd(7)} ${String(t.seconds).padStart(6)} s  ${t.step}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const kvm = args.includes('--kvm');
  const rest = args.filter((a) => !a.startsWith('--'));
  if (process.getuid?.() !== 0) {
    console.error('rehearse: run as root (chroot and mounts); it changes nothing outside its cache dir ' + cache);
    process.exit(2);
  }
  const [what = 'job', ...more] = rest;
  if (what === 'readme') process.exit(rehearseReadme({ kvm }));
  const [job = 'unit', ...kv] = what === 'job' ? more : [what, ...more];
  const wf = args.find((a) => a.startsWith('--workflow='))?.slice('--workflow='.length);
  process.exit(rehearseJob(job, Object.fromEntries(kv.map((x) => x.split('=') as [string, string])), { kvm, workflow: wf }));
}
