/**
 * A machine's writable disks in its state dir: the root overlay over the image, blank data disks, and the
 * UEFI variable store of an image that boots through firmware. Created on first start, kept across boots.
 */
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { createBlankDisk, createOverlay } from '../images/disks.js';
import type { DiskSpec } from '../qemu/argv.js';
import type { Arch } from '../qemu/arch.js';
import { firmwareFor, firmwarePackage, type Firmware } from '../qemu/firmware.js';
import type { MachineOptions } from './types.js';

export class MachineDisks {
  constructor(
    private readonly opts: Pick<MachineOptions, 'image' | 'disks' | 'layers' | 'rootDiskGiB'>,
    private readonly stateDir: string,
    private readonly arch: Arch,
  ) {}

  private path(f: string): string {
    return join(this.stateDir, f);
  }

  /** The firmware of an image without a kernel (it boots from its disk's bootloader); undefined for direct kernel boot. */
  get firmware(): Firmware | undefined {
    return this.opts.image.kernel ? undefined : firmwareFor(this.arch, this.opts.image.firmware);
  }

  /** The UEFI variable store, when the machine boots through UEFI. */
  get firmwareVars(): string | undefined {
    return this.firmware?.kind === 'uefi' ? this.path('efivars.fd') : undefined;
  }

  /** The writable disk files (root overlay, data disks, then a UEFI variable store). */
  files(): string[] {
    const nvram = this.firmware?.kind === 'uefi' ? ['efivars.fd'] : [];
    return ['root.qcow2', ...(this.opts.disks ?? []).map((_, i) => `data${i}.qcow2`), ...nvram].map((f) => this.path(f));
  }

  /** The disks in QEMU's order: root, data disks, then the read-only layers. */
  argv(): DiskSpec[] {
    return [
      { path: this.path('root.qcow2'), serial: 'root' },
      ...(this.opts.disks ?? []).map((_, i) => ({ path: this.path(`data${i}.qcow2`), serial: `data${i}` })),
      ...(this.opts.layers ?? []).map((l) => ({ path: l.path, serial: l.serial, format: 'raw' as const, readonly: true })),
    ];
  }

  /** Creates what is missing: the UEFI variable store, the root overlay, the data disks. */
  async prepare(): Promise<void> {
    const fw = this.firmware;
    if (fw?.kind === 'uefi' && !existsSync(this.path('efivars.fd'))) {
      if (!existsSync(fw.code) || !existsSync(fw.vars)) throw new ConfigError('image.firmware', `UEFI firmware not found (${fw.code}, ${fw.vars})`, `install ${firmwarePackage(this.arch, fw)} (apt-get install ${firmwarePackage(this.arch, fw)}) or set N3X_UEFI_CODE and N3X_UEFI_VARS`);
      copyFileSync(fw.vars, this.path('efivars.fd'));
      chmodSync(this.path('efivars.fd'), 0o600);
    }
    if (!existsSync(this.path('root.qcow2'))) await createOverlay(this.opts.image.disk, this.path('root.qcow2'), this.opts.rootDiskGiB);
    for (const [i, d] of (this.opts.disks ?? []).entries()) {
      if (!existsSync(this.path(`data${i}.qcow2`))) await createBlankDisk(this.path(`data${i}.qcow2`), d.sizeGiB);
    }
  }
}
