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
