/**
 * The Machine API (camelCase of nixosTest's `machine`): a façade over its parts, each in its own file with
 * its own state: the QEMU process and QMP (qemu-process.ts), its disks (disks.ts), the command channel
 * (channel.ts), network faults (faults.ts), port forwards (forwards.ts) and file transfer (transfer.ts).
 * Every wait has a host-side deadline and fails fast, with the last serial lines, when the machine dies.
 * Times are in seconds.
 */
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { detectAccel, type Accel } from '../accel.js';
import { bootPhases, phasesSummary, type BootPhases } from '../console/boot-phases.js';
import { SerialLog, waitForText } from '../console/serial.js';
import { SerialStamper } from '../console/serial-stamps.js';
import { ConfigError, InfraError, type ErrorContext } from '../errors.js';
import { emit, withinAction } from '../events.js';
import { logger, type Logger } from '../log.js';
import type { NetemSpec } from '../network/netem.js';
import { accelFor, bootDeadline, type Arch } from '../qemu/arch.js';
import { FIRMWARE_BOOT_EXTRA_S } from '../qemu/firmware.js';
import type { QmpEvent } from '../qemu/qmp.js';
import { sleep, withDeadline } from '../retry.js';
import { CommandChannel, type PollingCondition } from './channel.js';
import { MachineDisks } from './disks.js';
import { Faults } from './faults.js';
import { Forwards } from './forwards.js';
import { QemuProcess } from './qemu-process.js';
import { openTerminal, typeInto } from './terminal.js';
import { Files, type TransferOpts } from './transfer.js';
import type { CommandsArgs, ExecResult, MachineEvent, MachineOptions, TimeoutOpt } from './types.js';

export type { CommandsArgs, ExecResult, MachineOptions, TimeoutOpt, CommandRunner } from './types.js';
export { GUEST_SHARED_DIR, type TransferOpts } from './transfer.js';
export { systemctlCommand, type PollingCondition } from './channel.js';

export class Machine {
  readonly name: string;
  readonly stateDir: string;
  readonly serial: SerialLog;
  /** Guest architecture (default x86_64). */
  readonly arch: Arch;
  /** Wall-clock ms of the last boot (spawn to backdoor ready). */
  lastBootMs?: number;
  /** Phases of the last cold boot on the host clock (firmware, kernel, initramfs, systemd, setup), from serial stamps. */
  bootPhases?: BootPhases;
  private readonly opts: MachineOptions;
  private readonly accel: Accel;
  private readonly log: Logger;
  private readonly disks: MachineDisks;
  private readonly process: QemuProcess;
  private readonly channel: CommandChannel;
  private readonly faultState: Faults;
  private readonly forwards: Forwards;
  private readonly files: Files;
  /** Serial log offset at the last start(): waitForConsoleText looks only at this boot's output. */
  private serialMark = 0;
  /** Stamps this boot's serial lines with host times while a cold boot runs. */
  private stamper?: SerialStamper;

  constructor(opts: MachineOptions) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(opts.name)) throw new ConfigError('machine.name', `'${opts.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    this.opts = opts;
    this.name = opts.name;
    this.stateDir = opts.stateDir;
    this.serial = new SerialLog(join(opts.stateDir, 'serial.log'));
    this.log = logger(opts.name);
    this.arch = opts.arch ?? 'x86_64';
    this.accel = accelFor(this.arch, opts.accel ?? detectAccel().accel);
    const context = (extra?: ErrorContext) => this.context(extra);
    const ev = (e: MachineEvent) => this.emit(e);
    this.disks = new MachineDisks(opts, opts.stateDir, this.arch);
    this.process = new QemuProcess({ opts, arch: this.arch, accel: this.accel, disks: this.disks, serial: this.serial, context, emit: ev });
    this.channel = new CommandChannel({ name: this.name, shell: () => (this.process.running ? this.process.shell : undefined), signal: () => this.process.signal, context, commandTimeout: opts.commandTimeout, logFile: this.path('commands.log'), emit: ev });
    const runner = { execute: this.execute.bind(this), succeed: this.succeed.bind(this), context };
    this.faultState = new Faults({ name: this.name, nicIds: (opts.nics ?? []).map((n) => n.id), qmpCommand: (c, a) => this.qmpCommand(c, a), succeed: runner.succeed, isUp: () => this.isUp(), emit: ev });
    this.forwards = new Forwards({ name: this.name, declared: opts.forwards ?? [], sendMonitorCommand: (c) => this.sendMonitorCommand(c), runner });
    this.files = new Files(runner, this.path('shared'));
  }

  private path(f: string): string {
    return join(this.stateDir, f);
  }

  /** Emits an event of this machine (its name and cluster added). */
  private emit(e: MachineEvent): void {
    emit({ ...e, machine: this.name, cluster: this.opts.cluster });
  }

  /** Error context: machine name and last serial lines. */
  context(extra: ErrorContext = {}): ErrorContext {
    return { machine: this.name, serialTail: this.serial.tail(15), ...extra };
  }

  /** Host ports of the forwards, by guest port (set at first start). */
  get ports(): ReadonlyMap<number, number> {
    return this.forwards.ports;
  }

  /** Called as QEMU is launched: this boot's serial output starts here, and no fault is in effect. */
  private onLaunch(coldBoot: boolean): void {
    this.serialMark = this.serial.size();
    this.stamper?.stop();
    this.stamper = coldBoot ? new SerialStamper(this.serial.path, this.serialMark) : undefined;
    this.faultState.clear();
  }

  /** Boots the machine (no-op when up) and waits for the backdoor. */
  async start(): Promise<void> {
    if (this.process.running) return;
    const t0 = Date.now();
    await this.process.spawn([], await this.forwards.forSpawn(), () => this.onLaunch(true));
    try {
      await withDeadline(() => this.process.shell!.waitReady(), {
        timeout: this.bootTimeout(),
        what: 'the backdoor to answer after boot',
        signal: this.process.signal,
        context: () => this.context({ hint: 'check the serial log for a stuck unit; raise bootTimeout (seconds) for slow hosts' }),
      });
      const readyAt = Date.now();
      this.lastBootMs = readyAt - t0;
      await withinAction('start', () => this.afterBoot());
      this.bootPhases = bootPhases(this.stamper?.stop() ?? [], { spawnAt: t0, readyAt, doneAt: Date.now() });
      this.log.info(`up in ${(this.lastBootMs / 1000).toFixed(1)} s (${this.arch === 'x86_64' ? '' : `${this.arch}, `}${this.accel}): ${phasesSummary(this.bootPhases)}`);
      this.emit({ kind: 'boot', spawnAt: t0, readyMs: this.lastBootMs, doneMs: Date.now() - t0, phases: this.bootPhases });
    } catch (e) {
      throw await this.process.failStart(e);
    } finally {
      this.stamper?.stop();
      this.stamper = undefined;
    }
  }

  /** Seconds a boot may take to reach the backdoor. */
  private bootTimeout(): number {
    const firmwareExtra = this.disks.firmware && this.accel !== 'kvm' && this.opts.bootTimeout === undefined ? FIRMWARE_BOOT_EXTRA_S : 0;
    return bootDeadline(this.arch, this.accel, this.opts.bootTimeout) + firmwareExtra;
  }

  /** The harness's set-up of a fresh boot: hostname, management address, then the machine's afterBoot. */
  private async afterBoot(): Promise<void> {
    // A disk that boots itself has no systemd.hostname= from us on its kernel command line.
    if (this.disks.firmware) await this.succeed(`echo ${this.name} > /proc/sys/kernel/hostname`);
    await this.forwards.afterBoot();
    await this.opts.afterBoot?.(this);
  }

  /** Starts QEMU paused and loads a state saved by saveState() (the disks must be in the state dir); resume() continues. `timeout` in seconds (default 60). */
  async loadState(stateFile: string, opts: TimeoutOpt = {}): Promise<void> {
    if (this.process.running) throw new InfraError('loadState: machine is running', this.context({ hint: 'kill() it first' }));
    await this.process.loadState(stateFile, opts.timeout ?? 60, await this.forwards.forSpawn(), () => this.onLaunch(false));
  }

  /** Freezes the guest's CPUs (QMP stop); resume() continues. */
  async pause(): Promise<void> {
    await this.qmpCommand('stop');
  }

  /** Writes the paused machine's memory and device state to `stateFile`; disks are flushed when it returns. `timeout` in seconds (default 120). */
  async saveState(stateFile: string, opts: TimeoutOpt = {}): Promise<void> {
    await this.process.saveState(stateFile, opts.timeout ?? 120);
  }

  /**
   * Continues a paused (or just loaded) machine, reconnects to its backdoor and sets the guest clock to the
   * host's (a saved state wakes up with the clock of the moment it was saved). `guestCommand` runs in the
   * same first round trip (the first commands after a load are slow under TCG: nothing is translated yet).
   */
  async resume(opts: { guestCommand?: string } = {}): Promise<void> {
    await withinAction('resume', () => this.process.resume(opts.guestCommand ?? 'true', (c) => this.succeed(c)));
  }

  /** Takes over a QEMU started by another process (a kept cluster); that process must have detached first. */
  async attach(): Promise<void> {
    this.forwards.adopt(await this.process.attach());
  }

  /** Lets QEMU outlive this process: drops the exit handler and the sockets (another process may attach). */
  detach(): void {
    this.process.detach();
  }

  /** The machine's writable disk files in its state dir (root overlay, data disks, then a UEFI variable store). */
  diskFiles(): string[] {
    return this.disks.files();
  }

  /** True while QEMU runs and the backdoor has answered since the last boot. */
  isUp(): boolean {
    return this.process.running && !!this.process.shell?.bootId;
  }

  /** Boot id of the running guest (changes on every boot). */
  get bootId(): string | undefined {
    return this.process.shell?.bootId;
  }

  /** Powers off cleanly (systemctl poweroff) and waits for QEMU to exit (`timeout` seconds, default 90). */
  async shutdown(opts: TimeoutOpt = {}): Promise<void> {
    if (!this.process.running) return;
    await withinAction('stop', () => this.process.requestPowerAction('poweroff'));
    await this.process.waitForExit(opts.timeout ?? 90);
  }

  /** Simulates a power cut: kills QEMU at once (no guest shutdown, no flush of guest caches). */
  async crash(): Promise<void> {
    await this.process.powerOff();
  }

  /** Reboots the guest (systemctl reboot); the same disks come back on a fresh boot. */
  async reboot(): Promise<void> {
    if (!this.process.running) throw new InfraError('reboot: machine is not running', { machine: this.name, hint: 'call start() first' });
    await withinAction('stop', () => this.process.requestPowerAction('reboot')); // QEMU runs with -no-reboot: the reboot ends the process, we start it again
    await this.process.waitForExit(90);
    await this.start();
  }

  /** Waits until QEMU has exited (after a guest-initiated poweroff); `timeout` in seconds (default 900). */
  async waitForShutdown(opts: TimeoutOpt = {}): Promise<void> {
    await this.process.waitForExit(opts.timeout ?? 900);
  }

  /** Stops QEMU immediately (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Interrupts (^C) the command the backdoor is running, if any; returns whether there was one. */
  interrupt(): boolean {
    return this.process.shell?.interrupt() ?? false;
  }

  /** Connects to the live serial console (ttyS0; ttyAMA0 on aarch64) socket. */
  openSerial(): Promise<Socket> {
    return this.process.openSocket('serial.sock');
  }

  /** Sends a human monitor (HMP) command through QMP; returns its output. */
  sendMonitorCommand(command: string): Promise<string> {
    return this.process.sendMonitorCommand(command);
  }

  /** Runs a QMP command (host-side deadline 30 s; fails at once when QEMU dies). */
  qmpCommand<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return this.process.qmpCommand<T>(command, args);
  }

  /** Waits for the next QMP event matching a name or predicate (e.g. 'SHUTDOWN'); `timeout` in seconds (default 900). */
  waitForQmpEvent(filter: string | ((e: QmpEvent) => boolean), opts: TimeoutOpt = {}): Promise<QmpEvent> {
    return this.process.waitForQmpEvent(filter, opts.timeout ?? 900);
  }

  /** Host port forwarded (on 127.0.0.1) to a guest port. */
  hostPort(guestPort: number): number {
    return this.forwards.hostPort(guestPort);
  }

  /** Forwards 127.0.0.1:<hostPort> to a guest TCP port while the machine runs (hostPort picked free when omitted). */
  forwardPort(guestPort: number, hostPort?: number): Promise<number> {
    return this.forwards.add(guestPort, hostPort);
  }

  /** Stops QEMU and deletes the state dir (unless keepState). */
  async destroy(opts: { keepState?: boolean } = {}): Promise<void> {
    await this.kill();
    if (!opts.keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  // ── Commands (channel.ts) ──

  /** Runs a command; returns status and output. Throws only on deadline, a dead machine or a failed polling condition. */
  execute(command: string, opts: TimeoutOpt = {}): Promise<ExecResult> {
    return this.channel.execute(command, opts);
  }

  /** Runs each command; throws unless every one exits 0. Returns the concatenated stdout. `{ timeout }` last: seconds for each command (default commandTimeout). */
  succeed(...args: CommandsArgs): Promise<string> {
    return this.channel.succeed(...args);
  }

  /** Runs each command; throws unless every one exits non-zero. Returns the concatenated stdout. `{ timeout }` last: seconds for each command. */
  fail(...args: CommandsArgs): Promise<string> {
    return this.channel.fail(...args);
  }

  /** Repeats a command until it exits 0; returns its stdout. `timeout` in seconds (default 900). */
  waitUntilSucceeds(command: string, opts: TimeoutOpt = {}): Promise<string> {
    return this.channel.waitUntilSucceeds(command, opts);
  }

  /** Repeats a command until it exits non-zero; returns its stdout. `timeout` in seconds (default 900). */
  waitUntilFails(command: string, opts: TimeoutOpt = {}): Promise<string> {
    return this.channel.waitUntilFails(command, opts);
  }

  /** Waits until a systemd unit is active (or a oneshot finished OK); fails at once if it failed. `user`: a user's manager. */
  waitForUnit(unit: string, opts: TimeoutOpt & { user?: string } = {}): Promise<void> {
    return this.channel.waitForUnit(unit, opts);
  }

  /** All properties of a unit (systemctl show). */
  getUnitInfo(unit: string): Promise<Record<string, string>> {
    return this.channel.getUnitInfo(unit);
  }

  /** One property of a unit. */
  getUnitProperty(unit: string, property: string): Promise<string> {
    return this.channel.getUnitProperty(unit, property);
  }

  /** Throws unless the unit's ActiveState equals `state` (default active). */
  requireUnitState(unit: string, state = 'active'): Promise<void> {
    return this.channel.requireUnitState(unit, state);
  }

  /** Runs `systemctl <args>` (for a user's manager with `{ user }`); returns status and output. */
  systemctl(args: string, opts: { user?: string } = {}): Promise<ExecResult> {
    return this.channel.systemctl(args, opts);
  }

  /** Starts a unit (`systemctl start`), as nixosTest's start_job; returns status and output. */
  startJob(unit: string, opts: { user?: string } = {}): Promise<ExecResult> {
    return this.channel.startJob(unit, opts);
  }

  /** Stops a unit (`systemctl stop`), as nixosTest's stop_job; returns status and output. */
  stopJob(unit: string, opts: { user?: string } = {}): Promise<ExecResult> {
    return this.channel.stopJob(unit, opts);
  }

  /** Waits until a path exists in the guest. `timeout` in seconds (default 900). */
  waitForFile(path: string, opts: TimeoutOpt = {}): Promise<void> {
    return this.channel.waitForFile(path, opts);
  }

  /** Waits until something listens on a TCP port (default address `localhost`: a listener on ::1 counts, as in nixosTest). */
  waitForOpenPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    return this.channel.waitForOpenPort(port, opts);
  }

  /** Waits until a process listens on a unix-domain socket (stream, or datagram with `{ datagram: true }`). */
  waitForOpenUnixSocket(path: string, opts: TimeoutOpt & { datagram?: boolean } = {}): Promise<void> {
    return this.channel.waitForOpenUnixSocket(path, opts);
  }

  /** Waits until nothing listens on a TCP port (default address `localhost`). */
  waitForClosedPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    return this.channel.waitForClosedPort(port, opts);
  }

  /**
   * Checks `condition` before every command while active (at most every `interval` seconds), as nixosTest's
   * polling_condition: a condition that throws or returns false fails the command that was about to run.
   * Returns a handle; `dispose()` (or `using`) ends it.
   */
  pollingCondition(condition: () => Promise<boolean | void>, opts: { interval?: number; description?: string } = {}): PollingCondition {
    return this.channel.pollingCondition(condition, opts);
  }

  /** Waits until this boot's console output (since the last start()) matches a regex; returns the match. `timeout` in seconds (default 900). */
  waitForConsoleText(re: RegExp | string, opts: TimeoutOpt = {}): Promise<RegExpMatchArray> {
    return waitForText(this.serial, this.serialMark, re, opts.timeout ?? 900, () => this.context());
  }

  /** The whole serial log so far (every boot of this machine). */
  getConsoleLog(): string {
    return this.serial.read();
  }

  /** Sleeps for `seconds` (host side). */
  async sleep(seconds: number): Promise<void> {
    await sleep(seconds);
  }

  // ── Files and terminals (transfer.ts, terminal.ts) ──

  /** Copies a host file or directory into the guest at `dst` (full target path): through the shared directory (9p) when the guest has it, else the console. */
  copyFromHost(src: string, dst: string, opts: TransferOpts = {}): Promise<void> {
    this.emit({ kind: 'copy', direction: 'in', src, dst });
    return withinAction('copy', () => this.files.copyIn(src, dst, opts));
  }

  /** Copies a guest file or directory into host dir `dstDir` (created); returns the host path. Same paths as copyFromHost. */
  copyFromMachine(src: string, dstDir: string, opts: TransferOpts = {}): Promise<string> {
    this.emit({ kind: 'copy', direction: 'out', src, dst: dstDir });
    return withinAction('copy', () => this.files.copyOut(src, dstDir, opts));
  }

  /** Starts an interactive root login shell on the guest's second console (/dev/hvc1); returns its host-side socket (closing it stops the shell). */
  openTerminal(size: { rows: number; cols: number } = { rows: 40, cols: 120 }, term = 'xterm-256color'): Promise<Socket> {
    return openTerminal(this.process.openSocket('tty.sock'), this, size, term);
  }

  /** Types characters into the serial console (ttyS0), as nixosTest's send_console. */
  async sendConsole(chars: string): Promise<void> {
    await typeInto(await this.openSerial(), chars);
  }

  // ── Network faults (faults.ts) ──

  /** Data NIC device ids in guest order (nic1 is eth1, nic2 is eth2, …). */
  get nicIds(): string[] {
    return (this.opts.nics ?? []).map((n) => n.id);
  }

  /** Sets the link state of a data NIC by guest name (eth1) or device id (nic1). */
  setLink(nic: string, up: boolean): Promise<void> {
    return this.faultState.setLink(nic, up);
  }

  /** Cuts every data NIC (the machine keeps running; the backdoor is unaffected). */
  block(): Promise<void> {
    return this.faultState.setAllLinks(false);
  }

  /** Restores every data NIC. */
  unblock(): Promise<void> {
    return this.faultState.setAllLinks(true);
  }

  /** Applies netem (delay, jitter, loss, rate) to a guest interface. */
  netem(iface: string, spec: NetemSpec): Promise<void> {
    return this.faultState.netem(iface, spec);
  }

  /** Removes any netem qdisc from a guest interface. */
  clearNetem(iface: string): Promise<void> {
    return this.faultState.clearNetem(iface);
  }

  /** Faults set through this API and still in effect, in words (cut links, netem). */
  faults(): string[] {
    return this.faultState.describe();
  }

  /** Restores cut links and removes netem set through this API (a crashed machine's links come back on start). */
  resetFaults(): Promise<void> {
    return this.faultState.reset();
  }
}
