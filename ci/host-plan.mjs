// @ts-check
/**
 * Host preparation as data. `hostPlan(facts)` is pure: from /etc/os-release's text, the user, sudo and what is
 * missing it returns the packages to install and the exact commands (Debian and Ubuntu differ: on Ubuntu the
 * Debian archive keyring comes from universe), or an error naming the fix. Runs with plain Node before `npm ci`.
 * usage: node ci/host-plan.mjs           gather facts, run the commands (ci/setup.sh, ci/host-prepare.sh)
 *        node ci/host-plan.mjs --print   gather facts, print facts and plan as JSON, run nothing
 *        --needs vm,aarch64              only what these NEEDS groups use (a CI job's own set-up); also N3X_HOST_NEEDS
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recipeHashOf, DEFAULT_RECIPE_DIR } from './recipe-hash.mjs';

/** Command on PATH -> the Debian/Ubuntu package that provides it. */
export const TOOLS = /** @type {const} */ ({
  'qemu-system-x86_64': 'qemu-system-x86',
  // aarch64 machines (NodeSpec.arch): the emulator, and for the arm64 image build the package scripts run under
  // qemu-user through binfmt_misc (mmdebstrap checks that with arch-test).
  'qemu-system-aarch64': 'qemu-system-arm',
  'qemu-aarch64-static': 'qemu-user-static',
  'update-binfmts': 'binfmt-support',
  'arch-test': 'arch-test',
  'qemu-img': 'qemu-utils',
  'qemu-io': 'qemu-utils',
  mmdebstrap: 'mmdebstrap',
  mke2fs: 'e2fsprogs',
  vde_switch: 'vde2',
  ip: 'iproute2',
  tar: 'tar',
  // node-pty (the REPL test's pseudo-terminal) has no Linux prebuild: npm ci builds it with node-gyp.
  make: 'make',
  'g++': 'g++',
  python3: 'python3',
  newuidmap: 'uidmap',
  // The run report's browser check (scenarios/report.test.ts). Debian only: Ubuntu's chromium is a snap stub,
  // and GitHub's Ubuntu runners come with google-chrome, which the check also uses.
  chromium: 'chromium',
  // Images you bring (images/examples/trixie-grub, scenarios/byo-image): a GPT disk with an ESP written without
  // mounting it, and Nix's parser for images/nixos (its unit test).
  sfdisk: 'fdisk',
  'mkfs.vfat': 'dosfstools',
  mcopy: 'mtools',
  'nix-instantiate': 'nix-bin',
});

/** Files (not commands) n3x needs -> their package: UEFI firmware for disks that boot through it (OVMF on x86_64, AAVMF on aarch64). */
export const FILES = /** @type {const} */ ({
  '/usr/share/OVMF/OVMF_CODE_4M.fd': 'ovmf',
  '/usr/share/AAVMF/AAVMF_CODE.fd': 'qemu-efi-aarch64',
});

/**
 * What each kind of work needs from the host, by TOOLS command or FILES path. A CI job installs only its groups
 * (`--needs`); `npm start` / `npm test` install them all. 'debian-archive-keyring' is the keyring (not a command).
 */
export const NEEDS = /** @type {const} */ ({
  // npm ci builds node-pty (no Linux prebuild) with node-gyp.
  npm: ['make', 'g++', 'python3'],
  // The base image and derived images (mmdebstrap; rootless through newuidmap).
  image: ['mmdebstrap', 'qemu-img', 'mke2fs', 'tar', 'newuidmap', 'debian-archive-keyring'],
  vm: ['qemu-system-x86_64', 'qemu-img', 'vde_switch', 'ip'],
  aarch64: ['qemu-system-aarch64', 'qemu-aarch64-static', 'update-binfmts', 'arch-test', '/usr/share/AAVMF/AAVMF_CODE.fd'],
  // Images you bring (trixie-grub, byo-image): GPT + ESP without mounting, OVMF.
  byo: ['sfdisk', 'mkfs.vfat', 'mcopy', '/usr/share/OVMF/OVMF_CODE_4M.fd'],
  report: ['chromium'],
  nixos: ['nix-instantiate'],
  // The `host` test project: qcow2 files (qemu-img, qemu-io), host links (ip), the NixOS parse/eval check, the packed package (tar).
  'host-tests': ['qemu-img', 'qemu-io', 'ip', 'nix-instantiate', 'tar', 'vde_switch'],
});

/** @typedef {keyof typeof NEEDS} Need */
/** @type {Need[]} */
export const ALL_NEEDS = /** @type {Need[]} */ (Object.keys(NEEDS));

/** @param {string} list comma- or space-separated NEEDS names @returns {Need[]} */
export function parseNeeds(list) {
  const names = list.split(/[\s,]+/).filter(Boolean);
  const bad = names.filter((n) => !(n in NEEDS));
  if (bad.length) throw new Error(`unknown host need(s) ${bad.join(', ')}: use ${ALL_NEEDS.join(', ')}`);
  return /** @type {Need[]} */ (names);
}

/** Every TOOLS command, FILES path and keyring the groups need. @param {readonly Need[]} needs @returns {Set<string>} */
export function wantedBy(needs) {
  return new Set(needs.flatMap((n) => NEEDS[n]));
}

/** Debian packages a list of groups installs (on a host missing everything). @param {readonly Need[]} needs */
export function packagesFor(needs) {
  const all = /** @type {Record<string, string>} */ ({ ...TOOLS, ...FILES, 'debian-archive-keyring': 'debian-archive-keyring' });
  return [...new Set([...wantedBy(needs)].map((w) => all[w]))];
}

/** mmdebstrap is given this keyring explicitly (images/debian/build.sh --keyring): Ubuntu's apt has no Debian keys. */
export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * @typedef {object} HostFacts
 * @property {string} osRelease   content of /etc/os-release
 * @property {number} uid
 * @property {boolean} passwordlessSudo  `sudo -n true` succeeds
 * @property {string[]} missingTools     keys of TOOLS not on PATH
 * @property {string[]} [missingFiles]    keys of FILES that do not exist
 * @property {boolean} keyring           DEBIAN_KEYRING exists
 * @property {boolean} [universe]        Ubuntu: the universe component is in the apt sources
 * @property {boolean} [imageCached]     the current base image is already built
 * @property {boolean} [userns]          unprivileged user namespaces allowed (unprivileged_userns_clone, max_user_namespaces)
 * @property {boolean} [appArmorUserns]  Ubuntu >= 23.10: apparmor_restrict_unprivileged_userns is 1
 * @property {boolean} [subids]          the user has ranges in /etc/subuid and /etc/subgid
 * @property {string} [user]
 * @property {string} [aptCache]        N3X_APT_CACHE: a directory for downloaded .debs that CI keeps between runs
 * @property {string} [owner]           uid:gid that gets the apt cache back (SUDO_UID:SUDO_GID), so CI's cache step can read it
 */

/**
 * @typedef {object} HostPlan
 * @property {'debian' | 'ubuntu'} distro
 * @property {string[]} packages  what will be installed
 * @property {string[][]} commands argv lists, run in order
 * @property {string} [error]     why the host cannot be prepared, naming the fix (commands is then empty)
 */

/** @param {string} text os-release content @returns {Record<string, string>} */
export function parseOsRelease(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** @param {string} osRelease @returns {'debian' | 'ubuntu' | undefined} */
export function distroOf(osRelease) {
  const r = parseOsRelease(osRelease);
  const ids = [r.ID, ...(r.ID_LIKE ?? '').split(/\s+/)];
  if (ids.includes('ubuntu')) return 'ubuntu';
  if (ids.includes('debian')) return 'debian';
  return undefined;
}

/** @param {HostFacts} f @param {readonly Need[]} needs what to install for (default: everything) @returns {HostPlan} */
export function hostPlan(f, needs = ALL_NEEDS) {
  const wanted = wantedBy(needs);
  const distro = distroOf(f.osRelease);
  const name = parseOsRelease(f.osRelease).PRETTY_NAME ?? 'this host';
  if (!distro) {
    return { distro: 'debian', packages: [], commands: [], error: `${name} is neither Debian nor Ubuntu: install ${Object.values(TOOLS).join(', ')} and debian-archive-keyring with its package manager` };
  }
  const root = f.uid === 0;
  // newuidmap (uidmap) is for the rootless image build. Root builds in root mode but installs it all the same:
  // after root's set-up, a non-root user's `npm start` must find everything (it cannot install anything itself).
  /** @type {string[]} */
  const packages = [...new Set(f.missingTools.filter((t) => wanted.has(t) && !(distro === 'ubuntu' && t === 'chromium')).map((t) => TOOLS[/** @type {keyof typeof TOOLS} */ (t)] ?? t))];
  for (const file of (f.missingFiles ?? []).filter((x) => wanted.has(x))) packages.push(FILES[/** @type {keyof typeof FILES} */ (file)] ?? file);
  if (!f.keyring && wanted.has('debian-archive-keyring')) packages.push('debian-archive-keyring');
  const rootless = !root && !f.imageCached && wanted.has('mmdebstrap') ? rootlessProblems(f, distro) : [];
  if (rootless.length) return { distro, packages, commands: [], error: `building the base image as ${f.user ?? 'this user'} (not root) needs: ${rootless.join('; ')}` };
  if (!packages.length) return { distro, packages, commands: [] };
  if (!root && !f.passwordlessSudo) {
    return { distro, packages, commands: [], error: `missing ${packages.join(' ')} and not root (no passwordless sudo): run \`sudo apt-get install ${packages.join(' ')}\`${distro === 'ubuntu' && !f.universe ? ' (after `sudo add-apt-repository universe`)' : ''}, then rerun` };
  }
  const as = root ? [] : ['sudo', '-n'];
  const install = [...as, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends'];
  /** @type {string[][]} */
  const commands = [];
  // Ubuntu ships debian-archive-keyring (and mmdebstrap, vde2) in universe; enable it the Ubuntu way.
  if (distro === 'ubuntu' && !f.universe) commands.push([...install, 'software-properties-common'], [...as, 'add-apt-repository', '-y', 'universe']);
  // A kept archive directory (N3X_APT_CACHE) spares the downloads on the next run; `install` takes them from it.
  const archives = f.aptCache ? ['-o', `Dir::Cache::Archives=${f.aptCache}`, '-o', 'APT::Keep-Downloaded-Packages=true'] : [];
  if (f.aptCache) commands.push([...as, 'mkdir', '-p', `${f.aptCache}/partial`]);
  commands.push([...as, 'apt-get', 'update', '-qq'], [...install, ...archives, ...packages]);
  if (f.aptCache && f.owner) commands.push([...as, 'chown', '-R', f.owner, f.aptCache]);
  return { distro, packages, commands };
}

/** @param {HostFacts} f @param {'debian' | 'ubuntu'} distro @returns {string[]} each missing prerequisite with its fix */
function rootlessProblems(f, distro) {
  const p = [];
  if (f.userns === false) p.push('unprivileged user namespaces (sudo sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=10000)');
  if (distro === 'ubuntu' && f.appArmorUserns) p.push('user namespaces that AppArmor does not restrict (sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for mmdebstrap)');
  if (f.subids === false) p.push(`subordinate ids (sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${f.user ?? '$USER'})`);
  return p;
}

/** @param {string} path @returns {string} */
function readOr(path, fallback = '') {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** On PATH, or in /usr/sbin and /sbin (mke2fs lives there, off a normal user's PATH). @param {string} cmd */
function onPath(cmd) {
  const PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', env: { ...process.env, PATH } }).status === 0;
}

/** Reads this host's facts (the only impure part). @returns {HostFacts} */
export function gatherFacts() {
  const uid = process.getuid?.() ?? 0;
  const user = userInfo().username;
  const sources = ['/etc/apt/sources.list', ...readdirSafe('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))];
  const cache = process.env.N3X_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n3x');
  const hasRange = (/** @type {string} */ file) => readOr(file).split('\n').some((l) => l.startsWith(`${user}:`) || l.startsWith(`${uid}:`));
  return {
    osRelease: readOr('/etc/os-release', readOr('/usr/lib/os-release')),
    uid,
    user,
    passwordlessSudo: uid !== 0 && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
    missingTools: Object.keys(TOOLS).filter((t) => !onPath(t)),
    missingFiles: Object.keys(FILES).filter((f) => !existsSync(f)),
    keyring: existsSync(DEBIAN_KEYRING),
    universe: sources.some((s) => /\buniverse\b/.test(readOr(s))),
    imageCached: existsSync(join(cache, 'images', `debian-${recipeHashOf(DEFAULT_RECIPE_DIR)}`, 'complete')),
    userns: readOr('/proc/sys/kernel/unprivileged_userns_clone', '1').trim() !== '0' && readOr('/proc/sys/user/max_user_namespaces', '1').trim() !== '0',
    appArmorUserns: readOr('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', '0').trim() === '1',
    subids: hasRange('/etc/subuid') && hasRange('/etc/subgid'),
    ...(process.env.N3X_APT_CACHE ? { aptCache: process.env.N3X_APT_CACHE } : {}),
    ...(process.env.SUDO_UID && process.env.SUDO_GID ? { owner: `${process.env.SUDO_UID}:${process.env.SUDO_GID}` } : {}),
  };
}

/** @param {string} dir @returns {string[]} */
function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const facts = gatherFacts();
  const i = process.argv.indexOf('--needs');
  const needs = parseNeeds(i > 0 ? (process.argv[i + 1] ?? '') : (process.env.N3X_HOST_NEEDS ?? ALL_NEEDS.join(',')));
  const plan = hostPlan(facts, needs);
  if (process.argv.includes('--print')) {
    console.log(JSON.stringify({ needs, facts: { ...facts, osRelease: parseOsRelease(facts.osRelease).PRETTY_NAME }, plan }, null, 2));
    process.exit(0);
  }
  if (plan.error) {
    console.error(`n3x setup: ${plan.error}`);
    process.exit(1);
  }
  if (plan.packages.length) console.log(`n3x setup (${plan.distro}): installing ${plan.packages.join(' ')}`);
  for (const c of plan.commands) {
    const r = spawnSync(c[0], c.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      console.error(`n3x setup: \`${c.join(' ')}\` failed (exit ${r.status ?? r.signal}); fix the package source and rerun`);
      process.exit(1);
    }
  }
}
