/**
 * Image cache under $XDG_CACHE_HOME/n3x/images/<recipe>-<hash> (derived images with extra packages:
 * <recipe>+pkgs-<hash>): build once, reuse; overlays per run.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { lock as lockFile } from 'proper-lockfile';
import { ConfigError, InfraError } from '../errors.js';
import { logger } from '../log.js';
import { cacheRoot } from '../util/paths.js';
import { NotYet, retryUntil } from '../retry.js';
import { archProfile, type Arch } from '../qemu/arch.js';
import { debianRecipe, imageName, recipeHash, trixieGrubRecipe, withArch, withPackages, type Recipe } from './recipe.js';
import type { FirmwareKind } from '../qemu/firmware.js';

const log = logger('images');

/**
 * A bootable n3x image: a root disk, and either the kernel and initrd QEMU boots directly (the built-in image)
 * or neither, for a disk with a partition table and a bootloader that boots through firmware (images you bring).
 */
export interface ImageFiles {
  disk: string;
  /** Direct kernel boot: the kernel (with `initrd`), outside the disk. Absent: the disk boots through firmware. */
  kernel?: string;
  initrd?: string;
  /** Firmware of a disk-booted image: 'bios' (SeaBIOS, the x86_64 default) or 'uefi' (OVMF; AAVMF on aarch64). */
  firmware?: FirmwareKind;
  /** Identifies the image (recipe-hash, or 'custom'); snapshot keys and logs use it. */
  id: string;
  /** The guest architecture the image was built for (unknown for a custom image). */
  arch?: Arch;
}

/** What a cluster or node accepts as `image`: files (see ImageFiles) or an image recipe folder built into the cache. */
export type ImageOption = Omit<ImageFiles, 'id'> & { id?: string } | { recipe: Recipe; firmware?: FirmwareKind };


function imageDir(r: Recipe): string {
  return join(cacheRoot(), 'images', imageName(r));
}

/** A built image's files: a recipe whose build.sh writes no vmlinuz boots its disk through firmware. */
function filesIn(dir: string, id: string, arch?: Arch): ImageFiles {
  const disk = join(dir, 'disk.qcow2');
  const archPart = arch && arch !== 'x86_64' ? { arch } : {};
  return existsSync(join(dir, 'vmlinuz')) ? { disk, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), id, ...archPart } : { disk, id, ...archPart };
}

/** Checks user-supplied image paths (and the kernel/firmware combination) before any VM starts. */
export function validateImage(img: Omit<ImageFiles, 'id'> & { id?: string }): ImageFiles {
  const fix = 'build it with `npx n3x images build`, or pass an existing qcow2 disk (with kernel and initrd for a direct kernel boot, without them for a disk with a bootloader)';
  if ((img.kernel === undefined) !== (img.initrd === undefined)) {
    throw new ConfigError(img.kernel === undefined ? 'image.kernel' : 'image.initrd', 'kernel and initrd come together', 'give both (direct kernel boot) or neither (the disk boots through firmware and its own bootloader)');
  }
  if (img.kernel !== undefined && img.firmware !== undefined) {
    throw new ConfigError('image.firmware', `firmware '${img.firmware}' with a kernel`, 'firmware applies to a disk that boots itself: drop kernel and initrd, or drop firmware');
  }
  if (img.firmware !== undefined && img.firmware !== 'bios' && img.firmware !== 'uefi') {
    throw new ConfigError('image.firmware', `'${String(img.firmware)}'`, "use 'bios' (SeaBIOS) or 'uefi' (OVMF)");
  }
  for (const k of ['disk', 'kernel', 'initrd'] as const) {
    if (k !== 'disk' && img[k] === undefined) continue;
    if (!img[k] || !existsSync(img[k])) throw new ConfigError(`image.${k}`, `file not found: ${img[k] || '(empty)'}`, fix);
  }
  return { ...img, id: img.id ?? 'custom' };
}

/** How an image became ready: `built` by this call, or (false) served from the cache, after `ms` (lock wait included). */
export interface ImageReady {
  name: string;
  built: boolean;
  ms: number;
}

export interface EnsureImageOptions {
  /** Build even when cached. */
  rebuild?: boolean;
  /** Told once the image is ready (a derived image's base first: it is made ready inside). Must not throw. */
  onReady?: (ready: ImageReady) => void;
}

/** Returns the cached image for the recipe, building it first when missing (with a lock against parallel builds). */
export async function ensureImage(r: Recipe = debianRecipe, opts: EnsureImageOptions = {}): Promise<ImageFiles> {
  const t0 = Date.now();
  const dir = imageDir(r);
  // Read the files only once the image is there: which ones exist says how it boots (kernel or firmware).
  const ready = (built: boolean) => {
    opts.onReady?.({ name: imageName(r), built, ms: Date.now() - t0 });
    return filesIn(dir, imageName(r), r.arch);
  };
  if (!opts.rebuild && existsSync(join(dir, 'complete'))) return ready(false);
  mkdirSync(join(cacheRoot(), 'images'), { recursive: true });
  const release = await acquireBuildLock(`${dir}.lock`);
  try {
    if (!opts.rebuild && existsSync(join(dir, 'complete'))) return ready(false);
    await buildInto(r, dir, r.packages?.length ? await baseRootfs(r, opts.onReady) : undefined);
    return ready(true);
  } finally {
    await release();
  }
}

/**
 * The rootfs tarball of a derived recipe's base image (built first when missing), which build.sh installs the extra
 * packages on top of; none when the base was built before base images kept their tree (then a full build).
 */
async function baseRootfs(r: Recipe, onReady?: EnsureImageOptions['onReady']): Promise<string | undefined> {
  const plain: Recipe = { ...r };
  delete plain.packages;
  const tar = join(imageDir(plain), 'rootfs.tar');
  await ensureImage(plain, { onReady });
  if (existsSync(tar)) return tar;
  log.info(`image ${r.name}: the base image ${imageName(plain)} kept no rootfs.tar (built by an older n3x): a full build`);
  return undefined;
}

async function buildInto(r: Recipe, dir: string, baseTar?: string): Promise<void> {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const extra = r.packages?.length ? ` + ${r.packages.join(' ')}` : '';
  const arch = archProfile(r.arch);
  const foreign = arch.arch !== 'x86_64';
  const about = baseTar ? 'under a minute (the extra packages on top of the base rootfs)' : foreign ? '5–10 minutes (package scripts run under qemu-user)' : '1–2 minutes';
  log.info(`building image ${r.name}${foreign ? ` (${arch.arch})` : ''}${extra} (${recipeHash(r)}) — first time only, about ${about}`);
  // build.sh installs N3X_EXTRA_PACKAGES on the base image's rootfs (N3X_BASE_ROOTFS), or next to packages.txt in a
  // full build: root or rootless alike.
  const env = { N3X_EXTRA_PACKAGES: (r.packages ?? []).join(' '), N3X_ARCH: arch.debian, ...(baseTar ? { N3X_BASE_ROOTFS: baseTar } : {}) };
  const p = execa('bash', [join(r.dir, 'build.sh'), tmp], { all: true, reject: false, env });
  const tailLines: string[] = [];
  for await (const line of p.iterable({ from: 'all' })) {
    tailLines.push(String(line));
    if (tailLines.length > 40) tailLines.shift();
    const step = /^step: (.*)$/.exec(String(line));
    if (step) log.info(`image ${r.name}: ${step[1]} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const res = await p;
  if (res.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(`image build failed (exit ${res.exitCode}):\n${tailLines.join('\n')}`, {
      hint: 'check network access to the Debian mirror and that mmdebstrap, e2fsprogs and qemu-utils are installed (ci/setup.sh installs them; as non-root it also checks user namespaces and /etc/subuid for mmdebstrap --mode=unshare)',
    });
  }
  writeFileSync(join(tmp, 'recipe.json'), JSON.stringify({ recipe: r.name, hash: recipeHash(r), arch: arch.arch, packages: r.packages ?? [], builtAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }, null, 2));
  writeFileSync(join(tmp, 'complete'), '');
  await execa('mv', [tmp, dir]);
  log.info(`image ${r.name} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${dir}`);
}

/**
 * The build lock: a directory made atomically by mkdir (proper-lockfile), its mtime refreshed while the build
 * runs; one whose holder died goes stale after 10 s and is taken over. Waits up to 30 min for another build.
 */
export async function acquireBuildLock(path: string, timeoutMs = 30 * 60_000): Promise<() => Promise<void>> {
  let told = false;
  return retryUntil(
    async () => {
      try {
        return await lockFile(path, {
          realpath: false,
          lockfilePath: path,
          stale: 10_000,
          onCompromised: (e) => log.warn(`image build lock ${path} compromised (${e.message}); another build may run at the same time`),
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
        if (!told) log.info(`waiting for the image build another process is running (lock ${path})`);
        told = true;
        throw new NotYet(`${path} is held by another build`);
      }
    },
    { timeout: timeoutMs / 1000, what: `the image build lock ${path}`, interval: 1, maxInterval: 2 },
  );
}

export interface CachedImage {
  name: string;
  dir: string;
  sizeMiB: number;
  builtAt?: string;
  /** Extra packages of a derived image (empty for a base image). */
  packages: string[];
  /** Guest architecture (x86_64 for images built before there were others). */
  arch: Arch;
  current: boolean;
}

/** Images in the cache; `current` marks those matching today's recipes (a derived image: with its packages). */
export function listImages(recipes: Recipe[] = [debianRecipe, trixieGrubRecipe]): CachedImage[] {
  const root = join(cacheRoot(), 'images');
  if (!existsSync(root)) return [];
  const current = (name: string, packages: string[], arch: Arch) => recipes.some((r) => imageName(withPackages(withArch(r, arch), packages)) === name);
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'complete')))
    .map((n) => {
      const dir = join(root, n);
      const size = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
      let builtAt: string | undefined;
      let packages: string[] = [];
      let arch: Arch = 'x86_64';
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'recipe.json'), 'utf8'));
        builtAt = meta.builtAt;
        packages = meta.packages ?? [];
        arch = meta.arch ?? 'x86_64';
      } catch {
        /* older layout */
      }
      return { name: n, dir, sizeMiB: Math.round(size / 2 ** 20), builtAt, packages, arch, current: current(n, packages, arch) };
    });
}

/** Removes cached images that no current recipe uses (or all with `all`). Returns removed names. */
export function pruneImages(opts: { all?: boolean } = {}): string[] {
  const gone = listImages().filter((i) => opts.all || !i.current);
  for (const i of gone) rmSync(i.dir, { recursive: true, force: true });
  return gone.map((i) => i.name);
}
