/** Pure QEMU command-line builder (unit-tested): one VM with a root disk, backdoor console, serial log, QMP, NICs. */
import type { Accel } from '../accel.js';
import { archProfile, cpuModel, machineType, type Arch } from './arch.js';
import { firmwareArgv, type Firmware } from './firmware.js';

export type NicBackend =
  | { type: 'tap'; ifname: string }
  | { type: 'vde'; sock: string; /** The switch port to plug into (one set up with its VLANs); default any free one. */ port?: number }
  | { type: 'user'; hostfwd?: { hostPort: number; guestPort: number }[] };

export interface NicSpec {
  /** Device id (QMP set_link name); the netdev is nd-<id>. Unique within the VM. */
  id: string;
  mac: string;
  backend: NicBackend;
}

export interface DiskSpec {
  path: string;
  /** Shows as /dev/disk/by-id/virtio-SERIAL in the guest. */
  serial: string;
  /** Default qcow2. */
  format?: 'qcow2' | 'raw';
  /** Read-only disks can be shared by every machine (image layers such as k3s). */
  readonly?: boolean;
}

export interface QemuSpec {
  name: string;
  /** Guest architecture (default x86_64): machine type and CPU model, see arch.ts. */
  arch?: Arch;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  /** Direct kernel boot. Without a kernel the root disk boots through `firmware` and its own bootloader. */
  kernel?: string;
  initrd?: string;
  append?: string;
  /** Firmware of a disk boot (default SeaBIOS); `firmwareVars` is the machine's own UEFI variable store. */
  firmware?: Firmware;
  firmwareVars?: string;
  /** First disk is the root disk (/dev/vda), then /dev/vdb, … */
  disks: DiskSpec[];
  /** In guest order: eth0, eth1, … */
  nics: NicSpec[];
  qmpSocket: string;
  /** Host → guest commands (virtconsole /dev/hvc0). */
  shellSocket: string;
  /** Guest → host output (virtserialport n3x.out): throttled, never dropped. */
  outSocket: string;
  /** Interactive terminal (virtconsole /dev/hvc1) for `.shell` in the REPL. */
  ttySocket: string;
  serialSocket: string;
  serialLog: string;
  pidFile: string;
  /** Host dir exported over 9p with mount tag n3x-shared (the guest mounts it only while transferring files). */
  sharedDir?: string;
  extraArgs?: string[];
}

const NIC_SLOT_BASE = 0x10;
const DISK_SLOT_BASE = 0x08;

/** Builds the argv (without the binary). */
export function buildQemuArgv(s: QemuSpec): string[] {
  if (s.disks.length > 8) throw new Error(`${s.name}: at most 8 disks`);
  if (s.nics.length > 16) throw new Error(`${s.name}: at most 16 NICs`);
  const a: string[] = [
    '-name', `${s.name},process=n3x-${s.name}`,
    '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none',
    '-machine', machineType(s.arch ?? 'x86_64', s.accel),
    '-cpu', cpuModel(s.arch ?? 'x86_64', s.accel),
    '-smp', String(s.cpus),
    '-m', String(s.memoryMiB),
    '-no-reboot',
    '-pidfile', s.pidFile,
    ...(s.kernel ? ['-kernel', s.kernel, '-initrd', s.initrd ?? '', '-append', s.append ?? ''] : firmwareArgv(s.firmware ?? { kind: 'bios' }, s.firmwareVars)),
    '-qmp', `unix:${s.qmpSocket},server=on,wait=off`,
    '-chardev', `socket,id=ser0,path=${s.serialSocket},server=on,wait=off,logfile=${s.serialLog},logappend=on`,
    '-serial', 'chardev:ser0',
    '-device', 'virtio-serial-pci,id=vser0,bus=pcie.0,addr=0x3',
    '-chardev', `socket,id=shell,path=${s.shellSocket},server=on,wait=off`,
    '-device', 'virtconsole,chardev=shell,id=hvc0,bus=vser0.0,nr=0',
    '-chardev', `socket,id=out,path=${s.outSocket},server=on,wait=off`,
    '-device', 'virtserialport,chardev=out,id=n3xout,name=n3x.out,bus=vser0.0,nr=1',
    '-chardev', `socket,id=tty,path=${s.ttySocket},server=on,wait=off`,
    '-device', 'virtconsole,chardev=tty,id=hvc1,name=n3x.tty,bus=vser0.0,nr=2',
    '-device', 'virtio-rng-pci,bus=pcie.0,addr=0x4',
  ];
  s.disks.forEach((d, i) => {
    const ro = d.readonly ? ',readonly=on' : ',discard=unmap';
    a.push('-drive', `file=${d.path},if=none,id=disk${i},format=${d.format ?? 'qcow2'},cache=writeback${ro}`);
    const boot = !s.kernel && i === 0 ? ',bootindex=0' : ''; // firmware boots the root disk, never the network
    a.push('-device', `virtio-blk-pci,drive=disk${i},serial=${d.serial},bus=pcie.0,addr=${hex(DISK_SLOT_BASE + i)}${boot}`);
  });
  if (s.sharedDir) {
    if (/[,\s]/.test(s.sharedDir)) throw new Error(`${s.name}: the shared dir path may not contain commas or spaces: ${s.sharedDir}`);
    a.push('-fsdev', `local,id=fs0,path=${s.sharedDir},security_model=none`);
    a.push('-device', 'virtio-9p-pci,fsdev=fs0,mount_tag=n3x-shared,bus=pcie.0,addr=0x5');
  }
  s.nics.forEach((n, i) => {
    a.push('-netdev', netdev(n));
    const rom = s.kernel ? '' : ',romfile='; // no iPXE option ROMs for the firmware to load and try
    a.push('-device', `virtio-net-pci,id=${n.id},netdev=nd-${n.id},mac=${n.mac},bus=pcie.0,addr=${hex(NIC_SLOT_BASE + i)}${rom}`);
  });
  return [...a, ...(s.extraArgs ?? [])];
}

function netdev(n: NicSpec): string {
  const b = n.backend;
  switch (b.type) {
    case 'tap':
      return `tap,id=nd-${n.id},ifname=${b.ifname},script=no,downscript=no`;
    case 'vde':
      return `vde,id=nd-${n.id},sock=${b.sock}${b.port ? `,port=${b.port}` : ''}`;
    case 'user': {
      // restrict=on: the guest can reach nothing outside; only the listed 127.0.0.1 forwards reach in.
      const fwd = (b.hostfwd ?? []).map((f) => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`).join('');
      return `user,id=nd-${n.id},restrict=on,net=10.0.2.0/24${fwd}`;
    }
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Kernel command line for the n3x guest contract (serial console and clock options per architecture). */
export function kernelAppend(hostname: string, extra: string[] = [], arch: Arch = 'x86_64'): string {
  const a = archProfile(arch);
  return [
    `console=${a.serialConsole},115200`, 'root=/dev/vda', 'rw', 'net.ifnames=0', 'biosdevname=0', 'panic=-1',
    ...a.kernelArgs, `systemd.hostname=${hostname}`, ...extra,
  ].join(' ');
}
