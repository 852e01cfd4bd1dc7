/** Options and results of the Machine API, and what its parts need of each other. */
import type { Accel } from '../accel.js';
import type { ImageFiles } from '../images/cache.js';
import type { NicSpec } from '../qemu/argv.js';
import type { Arch } from '../qemu/arch.js';
import type { ErrorContext } from '../errors.js';
import type { HarnessEventBody } from '../events.js';

export interface MachineOptions {
  name: string;
  /** Id of the cluster the machine belongs to (carried in its events). */
  cluster?: string;
  image: ImageFiles;
  /** Private state dir (created 0700): overlay, sockets, serial log. */
  stateDir: string;
  memoryMiB?: number;
  cpus?: number;
  /** Data NICs: eth1, eth2, … (eth0 is always the host-only management NIC). */
  nics?: NicSpec[];
  /** Guest TCP ports reachable from the host at 127.0.0.1:<hostPort> (picked free when omitted). */
  forwards?: { guestPort: number; hostPort?: number }[];
  /** Extra blank virtio disks (/dev/vdb, …; also /dev/disk/by-id/virtio-data<N>). */
  disks?: { sizeGiB: number }[];
  /** Root disk size in GiB (sparse overlay; the guest's n3x-growroot unit grows the filesystem). Default: the image's. */
  rootDiskGiB?: number;
  /** Read-only raw disks shared between machines (image layers), after the data disks. */
  layers?: { path: string; serial: string }[];
  kernelArgs?: string[];
  /** Guest architecture (default x86_64); a foreign one always runs under TCG. The image must match it. */
  arch?: Arch;
  accel?: Accel;
  /** Deadline in seconds for a boot to reach the backdoor (default 120 under TCG, 60 under KVM; times the emulation factor for a foreign arch). */
  bootTimeout?: number;
  /** Default deadline in seconds for one command (default 300). */
  commandTimeout?: number;
  /** Runs after QEMU is spawned, before the guest is ready (e.g. attach TAPs to bridges). */
  afterSpawn?: () => Promise<void>;
  /** Runs after every boot once the backdoor is ready (e.g. network configuration). */
  afterBoot?: (m: CommandRunner) => Promise<void>;
}

export interface ExecResult {
  /** Exit status (128+n when killed by signal n). */
  status: number;
  stdout: string;
  /** The last 4 KiB of what the command wrote to stderr (a longer stderr is cut at the front). */
  stderr: string;
  /** stdout bytes exactly as the guest wrote them. */
  raw: Buffer;
}

export interface TimeoutOpt {
  /** Host-side deadline in seconds (nixosTest units). */
  timeout?: number;
}

/** The arguments of succeed/fail, as nixosTest's `succeed(*commands, timeout=None)`: commands, then `{ timeout }` (seconds, for each command). */
export type CommandsArgs = string[] | [...commands: string[], opts: TimeoutOpt];


/** What a part needs to run guest commands (the command channel; a Machine fits). */
export interface CommandRunner {
  execute(command: string, opts?: TimeoutOpt): Promise<ExecResult>;
  succeed(...args: CommandsArgs): Promise<string>;
  context(extra?: ErrorContext): ErrorContext;
}

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A machine's event before its name and cluster are added. */
export type MachineEvent = DistributiveOmit<Extract<HarnessEventBody, { machine: string }>, 'machine' | 'cluster'>;
