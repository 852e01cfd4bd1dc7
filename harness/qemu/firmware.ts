/**
 * Firmware for images that boot from their own disk (a partition table and a bootloader, no kernel given to
 * QEMU). Pure: which firmware an architecture gets, which files it needs, and the QEMU arguments for it.
 */
import { ConfigError } from '../errors.js';
import type { Arch } from './arch.js';

/** Guest CPU architectures: the same as NodeSpec.arch. */
export type GuestArch = Arch;

/** 'bios': SeaBIOS (QEMU's built-in x86 firmware; no files). 'uefi': OVMF on x86_64, AAVMF on aarch64. */
export type FirmwareKind = 'bios' | 'uefi';

export type Firmware =
  | { kind: 'bios' }
  /** `code` is read-only and shared; `vars` is a template each machine copies (its own NVRAM). */
  | { kind: 'uefi'; code: string; vars: string };

/** Debian's firmware files: ovmf (x86_64) and qemu-efi-aarch64 (aarch64). N3X_UEFI_CODE / N3X_UEFI_VARS override them. */
const UEFI_FILES: Record<GuestArch, { code: string; vars: string; pkg: string }> = {
  x86_64: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd', pkg: 'ovmf' },
  aarch64: { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', pkg: 'qemu-efi-aarch64' },
};

/** The firmware a firmware-booted image gets: SeaBIOS on x86_64 unless UEFI is asked for; UEFI on aarch64. */
export function firmwareFor(arch: GuestArch, choice?: FirmwareKind, env: NodeJS.ProcessEnv = process.env): Firmware {
  const kind = choice ?? (arch === 'x86_64' ? 'bios' : 'uefi');
  if (kind === 'bios') {
    if (arch !== 'x86_64') throw new ConfigError('image.firmware', `'bios' on ${arch}`, `${arch} machines boot through UEFI: drop firmware or set it to 'uefi'`);
    return { kind: 'bios' };
  }
  const f = UEFI_FILES[arch];
  return { kind: 'uefi', code: env.N3X_UEFI_CODE ?? f.code, vars: env.N3X_UEFI_VARS ?? f.vars };
}

/** The Debian package that provides a firmware's files ('' for SeaBIOS, which ships inside QEMU). */
export function firmwarePackage(arch: GuestArch, fw: Firmware): string {
  return fw.kind === 'uefi' ? UEFI_FILES[arch].pkg : '';
}

/** QEMU arguments for a firmware boot; `varsPath` is the machine's own copy of the UEFI variable store. */
export function firmwareArgv(fw: Firmware, varsPath?: string): string[] {
  if (fw.kind === 'bios') return [];
  if (!varsPath) throw new Error('a UEFI boot needs the machine\'s own copy of the variable store');
  return [
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${fw.code}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${varsPath}`,
  ];
}

/**
 * Seconds added to the default boot deadline (120 s) of a firmware-booted machine under TCG: firmware, the
 * bootloader and the distribution's own, larger initramfs. Measured here (TCG, 2 shared cores): trixie-grub up in
 * 41 s through SeaBIOS in a 3-node cluster whose built-in nodes took 15–17 s, 27 s alone through OVMF; 180 s keeps
 * the margin the built-in image has (~7× its boot).
 */
export const FIRMWARE_BOOT_EXTRA_S = 60;
