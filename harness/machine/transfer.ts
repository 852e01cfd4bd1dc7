/**
 * File transfer between host and guest. Through the shared directory (a 9p export of <stateDir>/shared, tag
 * `n3x-shared`) at disk speed when the guest kernel has 9p; otherwise base64 through the backdoor console.
 * The guest mounts the export at /run/n3x/shared only for the duration of one transfer: QEMU refuses to
 * migrate (save a snapshot) while a 9p export is mounted.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { CommandFailedError } from '../errors.js';
import { shellQuote } from '../util/quote.js';
import type { CommandRunner } from './types.js';

/** The 9p mount tag and where the guest mounts it during a transfer. */
export const SHARED_TAG = 'n3x-shared';
export const GUEST_SHARED_DIR = '/run/n3x/shared';

export type TransferVia = 'shared' | 'console';
export interface TransferOpts {
  /** Force a path (default: the shared directory when the guest can mount it, else the console). */
  via?: TransferVia;
}

/** The guest commands that mount / unmount the export (msize: the 6.1 kernel's virtio maximum). */
export const mountSharedCommand = `mkdir -p ${GUEST_SHARED_DIR} && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ${SHARED_TAG} ${GUEST_SHARED_DIR}`;
export const umountSharedCommand = `umount ${GUEST_SHARED_DIR}`;

type M = CommandRunner;
let seq = 0;

/** One machine's file transfers: whether its guest can mount the export (probed once), and their queue. */
export class Files {
  private usable?: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  /** `hostDir`: the host side of the machine's shared directory. */
  constructor(private readonly m: M, private readonly hostDir: string) {}

  /** Copies a host file or directory into the guest at `dst` (full target path). */
  copyIn(src: string, dst: string, opts: TransferOpts = {}): Promise<void> {
    return this.serialized(async () => copyIn(this.m, (await this.viaShared(opts)) ? this.hostDir : undefined, src, dst));
  }

  /** Copies a guest file or directory into host dir `dstDir` (created); returns the host path. */
  copyOut(src: string, dstDir: string, opts: TransferOpts = {}): Promise<string> {
    return this.serialized(() => copyOut(this.m, src, dstDir, () => this.viaShared(opts).then((ok) => (ok ? this.hostDir : undefined))));
  }

  /** Runs transfers one after another (one mount at a time). */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(fn);
    this.queue = run;
    return run;
  }

  private async viaShared(opts: TransferOpts): Promise<boolean> {
    if (opts.via) return opts.via === 'shared';
    if (this.usable === undefined) {
      const r = await this.m.execute('modprobe -q 9pnet_virtio && modprobe -q 9p && grep -qs n3x-shared /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag', { timeout: 30 });
      this.usable = r.status === 0 && statSync(this.hostDir, { throwIfNoEntry: false })?.isDirectory() === true;
    }
    return this.usable;
  }
}

/** Mounts the export, runs `fn` with a fresh host staging dir and its guest path, unmounts, removes the staging dir. */
async function viaShared<T>(m: M, hostDir: string, fn: (host: string, guest: string) => Promise<T>): Promise<T> {
  const name = `xfer-${process.pid}-${++seq}`;
  const host = join(hostDir, name);
  mkdirSync(host, { recursive: true });
  try {
    await m.succeed(mountSharedCommand);
    try {
      return await fn(host, `${GUEST_SHARED_DIR}/${name}`);
    } finally {
      await m.succeed(umountSharedCommand);
    }
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
}

/** Copies a host file or directory into the guest at `dst`: through the shared dir `hostDir`, else the console. */
async function copyIn(m: M, hostDir: string | undefined, src: string, dst: string): Promise<void> {
  const st = statSync(src);
  const q = shellQuote(dst);
  if (!hostDir) return copyInViaConsole(m, src, dst, st.isDirectory(), st.mode);
  await viaShared(m, hostDir, async (host, guest) => {
    cpSync(src, join(host, 'x'), { recursive: true, verbatimSymlinks: true });
    if (st.isDirectory()) await m.succeed(`mkdir -p ${q} && cp -R --preserve=mode,timestamps ${guest}/x/. ${q}/`);
    else await m.succeed(`mkdir -p "$(dirname ${q})" && cp ${guest}/x ${q}.n3x-tmp && mv ${q}.n3x-tmp ${q} && chmod ${(st.mode & 0o777).toString(8)} ${q}`);
  });
}

async function copyInViaConsole(m: M, src: string, dst: string, isDir: boolean, mode: number): Promise<void> {
  const data = isDir ? (await execa('tar', ['-C', src, '-cf', '-', '.'], { encoding: 'buffer' })).stdout : readFileSync(src);
  const tmp = `/run/n3x/upload.${process.pid}.${Date.now()}`;
  await m.succeed(`rm -f ${tmp}`);
  const chunk = 3 * 256 * 1024; // base64 of 768 KiB per command
  for (let off = 0; off < data.length || off === 0; off += chunk) {
    const b64 = Buffer.from(data.subarray(off, off + chunk)).toString('base64');
    await m.succeed(`printf %s '${b64}' | base64 -d >> ${tmp}`);
    if (data.length === 0) break;
  }
  const q = shellQuote(dst);
  if (isDir) await m.succeed(`mkdir -p ${q} && tar -C ${q} -xf ${tmp} && rm -f ${tmp}`);
  else await m.succeed(`mkdir -p "$(dirname ${q})" && mv ${tmp} ${q} && chmod ${(mode & 0o777).toString(8)} ${q}`);
}

/** Copies a guest file or directory into host dir `dstDir` (created); `shared()` says whether the shared dir serves. */
async function copyOut(m: M, src: string, dstDir: string, shared: () => Promise<string | undefined>): Promise<string> {
  mkdirSync(dstDir, { recursive: true });
  const q = shellQuote(src);
  const target = join(dstDir, basename(src));
  const probe = await m.execute(`test -d ${q} && echo dir || { test -e ${q} && echo file; }`);
  const kind = probe.stdout.trim();
  if (kind !== 'dir' && kind !== 'file') throw new CommandFailedError(`cannot read ${src}: no such file or directory`, 1, '', '', m.context());
  const hostDir = await shared();
  if (hostDir) {
    await viaShared(m, hostDir, async (host, guest) => {
      await m.succeed(`cp -R --preserve=mode,timestamps ${q} ${guest}/x`);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(host, 'x'), target, { recursive: true, verbatimSymlinks: true });
    });
    return target;
  }
  const r = await m.execute(kind === 'dir' ? `tar -C "$(dirname ${q})" -cf - "$(basename ${q})"` : `cat ${q}`);
  if (r.status !== 0) throw new CommandFailedError(`cannot read ${src}: ${r.stderr.trim()}`, r.status, '', r.stderr, m.context());
  if (kind === 'dir') await execa('tar', ['-C', dstDir, '-xf', '-'], { input: r.raw });
  else writeFileSync(target, r.raw);
  return target;
}
