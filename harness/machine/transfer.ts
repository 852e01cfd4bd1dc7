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
import type { MachineCommands } from './commands.js';

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

type M = MachineCommands;
/** Per machine: whether its guest can mount the export (probed once), and the queue of its transfers. */
const usable = new WeakMap<M, boolean>();
const queue = new WeakMap<M, Promise<unknown>>();
let seq = 0;

/** Runs transfers of one machine one after another (one mount at a time). */
function serialized<T>(m: M, fn: () => Promise<T>): Promise<T> {
  const run = (queue.get(m) ?? Promise.resolve()).catch(() => undefined).then(fn);
  queue.set(m, run);
  return run;
}

async function sharedUsable(m: M, hostDir: string): Promise<boolean> {
  if (!usable.has(m)) {
    const r = await m.execute('modprobe -q 9pnet_virtio && modprobe -q 9p && grep -qs n3x-shared /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag', { timeout: 30 });
    usable.set(m, r.status === 0 && statSync(hostDir, { throwIfNoEntry: false })?.isDirectory() === true);
  }
  return usable.get(m)!;
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

/** Copies a host file or directory into the guest at `dst` (full target path). */
export function copyIn(m: M, hostDir: string, src: string, dst: string, opts: TransferOpts = {}): Promise<void> {
  return serialized(m, async () => {
    const st = statSync(src);
    const q = shellQuote(dst);
    if (opts.via !== 'console' && (opts.via === 'shared' || (await sharedUsable(m, hostDir)))) {
      await viaShared(m, hostDir, async (host, guest) => {
        cpSync(src, join(host, 'x'), { recursive: true, verbatimSymlinks: true });
        if (st.isDirectory()) await m.succeed(`mkdir -p ${q} && cp -R --preserve=mode,timestamps ${guest}/x/. ${q}/`);
        else await m.succeed(`mkdir -p "$(dirname ${q})" && cp ${guest}/x ${q}.n3x-tmp && mv ${q}.n3x-tmp ${q} && chmod ${(st.mode & 0o777).toString(8)} ${q}`);
      });
      return;
    }
    await copyInViaConsole(m, src, dst, st.isDirectory(), st.mode);
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

/** Copies a guest file or directory into host dir `dstDir` (created); returns the host path. */
export function copyOut(m: M, hostDir: string, src: string, dstDir: string, opts: TransferOpts = {}): Promise<string> {
  return serialized(m, async () => {
    mkdirSync(dstDir, { recursive: true });
    const q = shellQuote(src);
    const target = join(dstDir, basename(src));
    const probe = await m.execute(`test -d ${q} && echo dir || { test -e ${q} && echo file; }`);
    const kind = probe.stdout.trim();
    if (kind !== 'dir' && kind !== 'file') throw new CommandFailedError(`cannot read ${src}: no such file or directory`, 1, '', '', m.context());
    if (opts.via !== 'console' && (opts.via === 'shared' || (await sharedUsable(m, hostDir)))) {
      await viaShared(m, hostDir, async (host, guest) => {
        await m.succeed(`cp -R --preserve=mode,timestamps ${q} ${guest}/x`);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(host, 'x'), target, { recursive: true, verbatimSymlinks: true });
      });
      return target;
    }
    if (kind === 'dir') {
      const r = await m.execute(`tar -C "$(dirname ${q})" -cf - "$(basename ${q})"`);
      if (r.status !== 0) throw new CommandFailedError(`cannot read ${src}: ${r.stderr.trim()}`, r.status, '', r.stderr, m.context());
      await execa('tar', ['-C', dstDir, '-xf', '-'], { input: r.raw });
    } else {
      const r = await m.execute(`cat ${q}`);
      if (r.status !== 0) throw new CommandFailedError(`cannot read ${src}: ${r.stderr.trim()}`, r.status, '', r.stderr, m.context());
      writeFileSync(target, r.raw);
    }
    return target;
  });
}
