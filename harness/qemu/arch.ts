/**
 * Guest architectures: what differs between an x86_64 and an aarch64 machine on the QEMU command line and in
 * the image (binary, machine type, CPU model, serial console, Debian architecture), and how much slower a guest
 * runs when the host has to emulate its instruction set. Pure; unit-tested.
 */
import type { Accel } from '../accel.js';
import { ConfigError } from '../errors.js';

export type Arch = 'x86_64' | 'aarch64';
export const ARCHES: readonly Arch[] = ['x86_64', 'aarch64'];

export interface ArchProfile {
  arch: Arch;
  /** QEMU system emulator for this guest. */
  binary: string;
  /** Debian's name for the architecture (mmdebstrap --architectures, linux-image-<debian>). */
  debian: 'amd64' | 'arm64';
  /** Kernel console device of the first serial port (the 8250 UART on q35, the PL011 on virt). */
  serialConsole: string;
  /** Architecture-specific kernel arguments besides the console. */
  kernelArgs: string[];
}

const PROFILES: Record<Arch, ArchProfile> = {
  x86_64: {
    arch: 'x86_64',
    binary: 'qemu-system-x86_64',
    debian: 'amd64',
    serialConsole: 'ttyS0',
    kernelArgs: ['tsc=reliable', 'no_timer_check'],
  },
  aarch64: {
    arch: 'aarch64',
    binary: 'qemu-system-aarch64',
    debian: 'arm64',
    serialConsole: 'ttyAMA0',
    kernelArgs: [],
  },
};

/** The profile of a guest architecture. */
export function archProfile(arch: Arch = 'x86_64'): ArchProfile {
  return PROFILES[arch];
}

/** Every QEMU binary a machine may run (the reaper and `n3x stop` look for all of them). */
export const QEMU_BINARIES: readonly string[] = ARCHES.map((a) => PROFILES[a].binary);

/** Accepts the harness names and the common aliases (amd64, x64, arm64); throws a ConfigError otherwise. */
export function parseArch(value: unknown, field = 'arch'): Arch {
  switch (value) {
    case undefined:
    case 'x86_64':
    case 'amd64':
    case 'x64':
      return 'x86_64';
    case 'aarch64':
    case 'arm64':
      return 'aarch64';
    default:
      throw new ConfigError(field, `unknown architecture '${String(value)}'`, "use 'x86_64' or 'aarch64'");
  }
}

/** The host's architecture in harness terms (Node's process.arch), or undefined for one QEMU cannot run here. */
export function hostArch(nodeArch: string = process.arch): Arch | undefined {
  return nodeArch === 'x64' ? 'x86_64' : nodeArch === 'arm64' ? 'aarch64' : undefined;
}

/** True when the host must translate the guest's instructions (another architecture than the host's). */
export function isForeign(arch: Arch, host: Arch | undefined = hostArch()): boolean {
  return arch !== host;
}

/** The accelerator a guest gets: KVM only for the host's own architecture, TCG for a foreign one. */
export function accelFor(arch: Arch, hostAccel: Accel, host: Arch | undefined = hostArch()): Accel {
  return isForeign(arch, host) ? 'tcg' : hostAccel;
}

/** `-machine` value. */
export function machineType(arch: Arch, accel: Accel): string {
  return arch === 'aarch64' ? `virt,accel=${accel}` : `q35,accel=${accel}`;
}

/**
 * `-cpu` value. Under TCG an aarch64 guest gets `max` with the cheap implementation-defined pointer
 * authentication (the architected QARMA algorithm is computed in software on every pointer signature and
 * makes a boot 3x slower); see ARM_CPU_CHOICE for the measurement.
 */
export function cpuModel(arch: Arch, accel: Accel): string {
  if (accel === 'kvm') return 'host';
  return arch === 'aarch64' ? ARM_CPU_CHOICE : 'max';
}

/**
 * The TCG CPU model for aarch64 guests, picked by measurement on the reference host (the arm64 image booted to
 * systemd's multi-user target, serial console): `max` 63 s, `cortex-a72` 23 s, `max,pauth-impdef=on` 21 s.
 */
export const ARM_CPU_CHOICE = 'max,pauth-impdef=on';

/**
 * How much longer an emulated (foreign-architecture) guest takes to boot than a host-architecture guest under
 * TCG, never below 1 (an emulated guest never gets less time than a native one). Measured on the reference host
 * (2 shared cores, QEMU 7.2, the Debian bookworm images, spawn to backdoor ready; `npx tsx bench/arch.ts`
 * measures it again): one VM alone, x86_64 10.0 s and aarch64 7.7 s (0.77); in the 4-machine mixed-arch
 * cluster booting at once, N100s 30–45 s and the Jetson 14 s. The aarch64 guest boots faster (direct kernel boot,
 * no x86 firmware and real-mode start), so the recorded factor is max(1, 0.77) = 1. Commands are slower on it:
 * succeed('true') 47 ms against 31 ms (median of 100).
 */
export const EMULATION_FACTOR = 1;

/**
 * Boot deadline in seconds for a machine: the given one (meant for a host-architecture guest) or the
 * accelerator's default, times EMULATION_FACTOR when the guest's instructions are translated.
 */
export function bootDeadline(arch: Arch, accel: Accel, given?: number, host: Arch | undefined = hostArch(), factor = EMULATION_FACTOR): number {
  const base = given ?? (accel === 'kvm' ? 60 : 120);
  return isForeign(arch, host) ? Math.ceil(base * Math.max(1, factor)) : base;
}
