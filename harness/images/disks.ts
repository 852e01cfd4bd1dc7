/** Per-run disks: copy-on-write overlays over a cached base, and blank data disks. */
import { execa } from 'execa';
import { InfraError } from '../errors.js';

/** Creates a qcow2 overlay whose backing file is the (read-only) base image; `sizeGiB` makes it larger (sparse). */
export async function createOverlay(base: string, path: string, sizeGiB?: number): Promise<void> {
  const r = await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', path, ...(sizeGiB ? [`${sizeGiB}G`] : [])], { reject: false });
  if (r.exitCode !== 0) throw new InfraError(`qemu-img create overlay failed: ${r.stderr}`, { hint: 'is qemu-utils installed and the base image readable?' });
}

/** Creates an empty qcow2 disk of sizeGiB (sparse). */
export async function createBlankDisk(path: string, sizeGiB: number): Promise<void> {
  const r = await execa('qemu-img', ['create', '-q', '-f', 'qcow2', path, `${sizeGiB}G`], { reject: false });
  if (r.exitCode !== 0) throw new InfraError(`qemu-img create disk failed: ${r.stderr}`);
}

/** The backing file a qcow2 names (as written in its header), or undefined for a standalone disk. */
export async function backingOf(path: string): Promise<string | undefined> {
  const r = await execa('qemu-img', ['info', '--output=json', '-U', path], { reject: false });
  if (r.exitCode !== 0) throw new InfraError(`qemu-img info ${path} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { 'backing-filename'?: string })['backing-filename'];
}

/**
 * Makes `path` depend on `backing` (or on nothing) instead of its current backing chain, copying into it
 * whatever differs (qemu-img rebase, safe mode): a copied overlay no longer needs the files it was made over.
 */
export async function rebaseDisk(path: string, backing: string | undefined): Promise<void> {
  const r = await execa('qemu-img', ['rebase', '-q', '-f', 'qcow2', ...(backing ? ['-F', 'qcow2', '-b', backing] : ['-b', '']), path], { reject: false });
  if (r.exitCode !== 0) throw new InfraError(`qemu-img rebase ${path} failed: ${r.stderr}`, { hint: 'is the disk it was made over still there?' });
}
