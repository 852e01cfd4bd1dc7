/**
 * A machine's QEMU process: boot, the backdoor and QMP connections, exit watching, saved state, attach and
 * detach, power operations. Commands (commands.ts) and the rest of the Machine API (machine.ts) build on it.
 */
import { appendFileSync, chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { detectAccel, type Accel } from '../accel.js';
import { BackdoorShell, connectUnix } from '../console/shell.js';
import { SerialLog } from '../console/serial.js';
import { SerialStamper } from '../console/serial-stamps.js';
import { bootPhases, phasesSummary, type BootPhases } from '../console/boot-phases.js';
import { ConfigError, InfraError, MachineDiedError, type ErrorContext } from '../errors.js';
import { createBlankDisk, createOverlay } from '../images/disks.js';
import { alive as pidAlive } from '../images/cache.js';
import { logger, type Logger } from '../log.js';
import type { NetemSpec } from '../network/netem.js';
import { buildQemuArgv, kernelAppend, type NicSpec } from '../qemu/argv.js';
import { accelFor, archProfile, bootDeadline, type Arch } from '../qemu/arch.js';
import { FIRMWARE_BOOT_EXTRA_S, firmwareFor, firmwarePackage, type Firmware } from '../qemu/firmware.js';
import { QmpClient, type QmpEvent } from '../qemu/qmp.js';
import { NotYet, retryUntil, withDeadline } from '../retry.js';
import { onExit } from '../util/cleanup.js';
import { isProcessOf } from '../util/procs.js';
import { privateDir } from '../util/paths.js';
import { freePort } from '../util/ports.js';
import { shellQuote } from '../util/quote.js';
import { emit, type HarnessEventBody } from '../events.js';
import type { Machine } from './machine.js';
import type { PollingCondition } from './commands.js';

import type { ExecResult, MachineOptions, TimeoutOpt } from './types.js';

export type { ExecResult, MachineOptions, TimeoutOpt };

export abstract class MachineProcess {
  readonly name: string;
  readonly stateDir: string;
  readonly serial: SerialLog;
  protected readonly opts: MachineOptions;
  protected readonly log: Logger;
  protected proc?: ResultPromise;
  /** QEMU's pid while it runs (spawned here, or found by attach()). */
  protected pid?: number;
  protected qmp?: QmpClient;
  protected shell?: BackdoorShell;
  protected dead = new AbortController();
  protected expectExit = false;
  /** Set by crash() until QEMU is gone: its end is a power cut, not a stop. */
  private powerCut = false;
  protected exited?: Promise<void>;
  protected undoCleanup?: () => void;
  protected readonly accel: Accel;
  /** Guest architecture (default x86_64). */
  readonly arch: Arch;
  /** Host ports of the forwards, by guest port (set at first start). */
  readonly ports = new Map<number, number>();
  /** Wall-clock ms of the last boot (spawn to backdoor ready). */
  lastBootMs?: number;
  /** Phases of the last cold boot on the host clock (firmware, kernel, initramfs, systemd, setup), from serial stamps. */
  bootPhases?: BootPhases;
  /** Stamps this boot's serial lines with host times while a cold boot runs. */
  private stamper?: SerialStamper;
  /** Serial log offset at the last start(): waitForConsoleText looks only at this boot's output. */
  protected serialMark = 0;
  /** Faults in effect (cut links, netem qdiscs), so a test can be reset to a clean network. */
  protected readonly cutLinks = new Set<string>();
  protected readonly netems = new Map<string, NetemSpec>();
  /** Active polling conditions (pollingCondition), and whether one is being checked now. */
  protected readonly conditions = new Set<PollingCondition>();
  protected checking = false;

  constructor(opts: MachineOptions) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(opts.name)) throw new ConfigError('machine.name', `'${opts.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    this.opts = opts;
    this.name = opts.name;
    this.stateDir = opts.stateDir;
    this.serial = new SerialLog(join(opts.stateDir, 'serial.log'));
    this.log = logger(opts.name);
    this.arch = opts.arch ?? 'x86_64';
    this.accel = accelFor(this.arch, opts.accel ?? detectAccel().accel);
  }

  /** Emits an event of this machine (its name and cluster added). */
  protected emit(e: DistributiveOmit<HarnessEventBody & { machine: string }, 'machine' | 'cluster'>): void {
    emit({ ...e, machine: this.name, cluster: this.opts.cluster } as HarnessEventBody);
  }

  protected path(f: string): string {
    return join(this.stateDir, f);
  }

  /** Error context: machine name and last serial lines. */
  context(extra: ErrorContext = {}): ErrorContext {
    return { machine: this.name, serialTail: this.serial.tail(15), ...extra };
  }

  /** Boots the machine (no-op when up) and waits for the backdoor. */
  async start(): Promise<void> {
    if (this.pid) return;
    const t0 = Date.now();
    await this.spawn([]);
    try {
      const bootS = bootDeadline(this.arch, this.accel, this.opts.bootTimeout) + (this.firmware && this.accel !== 'kvm' && this.opts.bootTimeout === undefined ? FIRMWARE_BOOT_EXTRA_S : 0);
      await withDeadline(() => this.shell!.waitReady(), {
        timeoutMs: bootS * 1000,
        what: 'the backdoor to answer after boot',
        signal: this.dead.signal,
        context: () => this.context({ hint: 'check the serial log for a stuck unit; raise bootTimeout (seconds) for slow hosts' }),
      });
      const readyAt = Date.now();
      this.lastBootMs = readyAt - t0;
      // A disk that boots itself has no systemd.hostname= from us on its kernel command line.
      if (this.firmware) await this.succeed(`echo ${this.name} > /proc/sys/kernel/hostname`);
      // The management NIC only carries 127.0.0.1 port forwards: an address, no gateway, no default route.
      if (this.ports.size) await this.succeed('ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up');
      await this.opts.afterBoot?.(this as unknown as Machine);
      this.bootPhases = bootPhases(this.stamper?.stop() ?? [], { spawnAt: t0, readyAt, doneAt: Date.now() });
      this.log.info(`up in ${(this.lastBootMs / 1000).toFixed(1)} s (${this.arch === 'x86_64' ? '' : `${this.arch}, `}${this.accel}): ${phasesSummary(this.bootPhases)}`);
      this.emit({ kind: 'boot', spawnAt: t0, readyMs: this.lastBootMs, doneMs: Date.now() - t0, phases: this.bootPhases });
    } catch (e) {
      throw await this.failStart(e);
    } finally {
      this.stamper?.stop();
      this.stamper = undefined;
    }
  }

  /**
   * Starts QEMU paused and loads a state saved by saveState() (memory and devices; the disks must already
   * be in the state dir). The machine stays paused until resume().
   */
  async loadState(stateFile: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.pid) throw new InfraError('loadState: machine is running', this.context({ hint: 'kill() it first' }));
    await this.spawn(['-S', '-incoming', 'defer']);
    try {
      await this.qmp!.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(stateFile)}` });
      await this.waitMigration(opts.timeoutMs ?? 60_000, 'loading');
    } catch (e) {
      const err = await this.failStart(e);
      const stderr = existsSync(this.path('qemu.stderr')) ? readFileSync(this.path('qemu.stderr'), 'utf8').trim().split('\n').slice(-2).join(' / ') : '';
      throw new InfraError(`loading machine state from ${stateFile} failed: ${err.message.split('\n')[0]}${stderr ? ` (QEMU: ${stderr})` : ''}`, this.context({ hint: 'the snapshot is corrupt or from another QEMU/configuration; delete it and it is rebuilt' }));
    }
  }

  /** Freezes the guest's CPUs (QMP stop); resume() continues. */
  async pause(): Promise<void> {
    await this.qmpCommand('stop');
  }

  /**
   * Writes the paused machine's memory and device state to `stateFile` (a QEMU migration stream); disks are
   * flushed when it returns, so the state dir's qcow2 files can be copied as the matching disk state.
   */
  async saveState(stateFile: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.qmpCommand('migrate-set-parameters', { 'max-bandwidth': 64 * 1024 ** 3 });
    await this.qmpCommand('migrate', { uri: `exec:cat > ${shellQuote(stateFile)}` });
    await this.waitMigration(opts.timeoutMs ?? 120_000, 'saving');
  }

  /**
   * Continues a paused (or just loaded) machine, reconnects to its backdoor and sets the guest clock to the
   * host's (a saved state wakes up with the clock of the moment it was saved). `guestCommand` runs in the
   * same first round trip (the first commands after a load are slow under TCG: nothing is translated yet).
   */
  async resume(opts: { guestCommand?: string } = {}): Promise<void> {
    await this.qmpCommand('cont');
    const shell = this.shell!;
    const setClock = () => `date -u -s @${(Date.now() / 1000).toFixed(3)} >/dev/null`;
    const first = await shell.run(`read -r id < /proc/sys/kernel/random/boot_id; echo "$id"; ${setClock()}; ${opts.guestCommand ?? 'true'}`, 60_000);
    if (first.timedOut || first.status !== 0) throw new InfraError(`resuming: the guest did not answer cleanly (status ${first.status}): ${first.stderr.trim().slice(-300)}`, this.context());
    if (!shell.bootId) shell.markReady(first.stdout.toString().split('\n')[0].trim());
    await this.succeed(setClock()); // warm now: exact to one round trip
    this.emit({ kind: 'clock', epochMs: Date.now() });
  }

  private async waitMigration(timeoutMs: number, what: string): Promise<void> {
    await retryUntil(
      async () => {
        const r = await this.qmpCommand<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (r.status === 'completed') return;
        if (r.status === 'failed' || r.status === 'cancelled') throw new InfraError(`${what} machine state failed: ${r['error-desc'] ?? r.status}`, this.context({ hint: 'the snapshot may be corrupt or from another QEMU/configuration; delete it to rebuild' }));
        throw new NotYet(`migration ${r.status ?? 'not started'}`);
      },
      { timeoutMs, what: `${what} machine state`, intervalMs: 20, maxIntervalMs: 100, context: () => this.context(), signal: this.dead.signal },
    );
  }

  /** Spawns QEMU (own process group), connects QMP and the backdoor sockets, runs afterSpawn. */
  private async spawn(extraArgv: string[]): Promise<void> {
    privateDir(this.stateDir);
    await this.prepareDisks();
    for (const f of ['qmp.sock', 'shell.sock', 'out.sock', 'tty.sock', 'serial.sock', 'qemu.pid']) rmSync(this.path(f), { force: true });
    for (const fw of this.opts.forwards ?? []) if (!this.ports.has(fw.guestPort)) this.ports.set(fw.guestPort, fw.hostPort ?? (await freePort()));
    const mgmt: NicSpec = {
      id: 'mgmt',
      mac: '52:54:00:00:00:01',
      backend: { type: 'user', hostfwd: [...this.ports].map(([guestPort, hostPort]) => ({ guestPort, hostPort })) },
    };
    const argv = [
      ...buildQemuArgv({
        name: this.name,
        arch: this.arch,
        accel: this.accel,
        memoryMiB: this.opts.memoryMiB ?? 1024,
        cpus: this.opts.cpus ?? 1,
        ...(this.firmware
          ? { firmware: this.firmware, firmwareVars: this.firmware.kind === 'uefi' ? this.path('efivars.fd') : undefined }
          : { kernel: this.opts.image.kernel, initrd: this.opts.image.initrd, append: kernelAppend(this.name, this.opts.kernelArgs, this.arch) }),
        disks: [
          { path: this.path('root.qcow2'), serial: 'root' },
          ...(this.opts.disks ?? []).map((_, i) => ({ path: this.path(`data${i}.qcow2`), serial: `data${i}` })),
          ...(this.opts.layers ?? []).map((l) => ({ path: l.path, serial: l.serial, format: 'raw' as const, readonly: true })),
        ],
        nics: [mgmt, ...(this.opts.nics ?? [])],
        qmpSocket: this.path('qmp.sock'),
        shellSocket: this.path('shell.sock'),
        outSocket: this.path('out.sock'),
        ttySocket: this.path('tty.sock'),
        serialSocket: this.path('serial.sock'),
        serialLog: this.path('serial.log'),
        pidFile: this.path('qemu.pid'),
        sharedDir: privateDir(this.path('shared')),
      }),
      ...extraArgv,
    ];
    writeFileSync(this.path('qemu.argv'), JSON.stringify(argv));
    appendFileSync(this.path('serial.log'), `\n--- n3x: ${extraArgv.length ? 'restoring' : 'starting'} ${this.name} (${this.accel}) at ${new Date().toISOString()} ---\n`);
    this.dead = new AbortController();
    this.expectExit = false;
    this.serialMark = this.serial.size();
    this.stamper?.stop();
    this.stamper = extraArgv.length ? undefined : new SerialStamper(this.serial.path, this.serialMark);
    this.cutLinks.clear(); // a new QEMU starts with every link up and a guest without netem
    this.netems.clear();
    // Own process group and no pipes: a kept cluster's QEMU outlives this process (see detach()); our exit
    // handler, not the terminal's Ctrl-C, decides when QEMU stops.
    this.emit({ kind: 'start', restoring: extraArgv.length > 0 });
    const proc = execa(archProfile(this.arch).binary, argv, { stdin: 'ignore', stdout: 'ignore', stderr: { file: this.path('qemu.stderr') }, reject: false, cleanup: false, detached: true });
    this.proc = proc;
    this.pid = proc.pid;
    this.watchExit(proc.then((r) => r.exitCode ?? r.signal ?? '?'));
    try {
      this.qmp = new QmpClient();
      this.shell = new BackdoorShell(this.path('shell.sock'), this.path('out.sock'), this.dead.signal);
      await Promise.all([this.qmp.connect(this.path('qmp.sock'), 10_000, this.dead.signal), this.shell.connect(10_000)]);
      for (const s of ['qmp.sock', 'shell.sock', 'out.sock', 'tty.sock', 'serial.sock']) if (existsSync(this.path(s))) chmodSync(this.path(s), 0o600);
      await this.opts.afterSpawn?.(this as unknown as Machine);
    } catch (e) {
      throw await this.failStart(e);
    }
  }

  /** Kills a half-started QEMU; returns the error to throw (the death reason when QEMU died first). */
  protected async failStart(e: unknown): Promise<Error> {
    const err = this.dead.signal.aborted ? (this.dead.signal.reason as Error) : (e as Error);
    await this.kill();
    return err;
  }

  /** Arms the exit handler and the fail-fast path for a running QEMU (spawned or attached). */
  private watchExit(exit: Promise<number | string>): void {
    const pid = this.pid;
    this.undoCleanup = onExit(() => {
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    });
    this.exited = exit.then((code) => {
      this.undoCleanup?.();
      this.proc = undefined;
      this.pid = undefined;
      this.qmp?.close();
      this.shell?.close();
      if (!this.expectExit) {
        const panic = this.serial.tail(200).some((l) => /Kernel panic/.test(l));
        const why = panic ? 'guest kernel panicked' : `QEMU exited unexpectedly (${code})`;
        const stderr = existsSync(this.path('qemu.stderr')) ? readFileSync(this.path('qemu.stderr'), 'utf8').trim() : '';
        const detail = `${why}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`;
        this.emit({ kind: 'crash', cause: 'died', detail });
        this.dead.abort(new MachineDiedError(detail, this.context()));
      } else if (this.powerCut) this.emit({ kind: 'crash', cause: 'power-cut' });
      else this.emit({ kind: 'stop' });
      this.powerCut = false;
    });
  }

  /**
   * Takes over a QEMU started by another process (a kept cluster): connects QMP and the backdoor, and
   * watches the pid. The other process must have detached first (sockets take one client).
   */
  async attach(): Promise<void> {
    const pid = Number(existsSync(this.path('qemu.pid')) ? readFileSync(this.path('qemu.pid'), 'utf8').trim() : 0);
    if (!isProcessOf(pid, archProfile(this.arch).binary, this.stateDir)) throw new InfraError('no running QEMU to attach to', this.context({ hint: 'the cluster is gone; `npx n3x stop --all` removes what is left of it' }));
    this.dead = new AbortController();
    this.expectExit = false;
    this.pid = pid;
    this.qmp = new QmpClient();
    this.shell = new BackdoorShell(this.path('shell.sock'), this.path('out.sock'), this.dead.signal);
    await Promise.all([this.qmp.connect(this.path('qmp.sock'), 5000, this.dead.signal), this.shell.connect(5000)]);
    this.shell.markReady((await this.shell.run('cat /proc/sys/kernel/random/boot_id', 10_000)).stdout.toString().trim());
    const argv = existsSync(this.path('qemu.argv')) ? (JSON.parse(readFileSync(this.path('qemu.argv'), 'utf8')) as string[]) : [];
    for (const m of argv.join(' ').matchAll(/hostfwd=tcp:127\.0\.0\.1:(\d+)-:(\d+)/g)) this.ports.set(Number(m[2]), Number(m[1]));
    this.watchExit(
      new Promise((resolve) => {
        const t = setInterval(() => {
          if (!pidAlive(pid)) {
            clearInterval(t);
            resolve('gone');
          }
        }, 500);
        t.unref();
      }),
    );
  }

  /** Lets QEMU outlive this process: drops the exit handler and the sockets (another process may attach). */
  detach(): void {
    this.undoCleanup?.();
    this.undoCleanup = undefined;
    this.expectExit = true;
    this.qmp?.close();
    this.shell?.close();
    this.proc?.unref?.();
    this.pid = undefined;
    this.proc = undefined;
  }

  /** The machine's writable disk files in its state dir (root overlay, data disks, then a UEFI variable store). */
  diskFiles(): string[] {
    const nvram = this.firmware?.kind === 'uefi' ? ['efivars.fd'] : [];
    return ['root.qcow2', ...(this.opts.disks ?? []).map((_, i) => `data${i}.qcow2`), ...nvram].map((f) => this.path(f));
  }

  /** The firmware of an image without a kernel (it boots from its disk's bootloader); undefined for direct kernel boot. */
  protected get firmware(): Firmware | undefined {
    return this.opts.image.kernel ? undefined : firmwareFor(this.arch, this.opts.image.firmware);
  }

  private async prepareDisks(): Promise<void> {
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

  /** True while QEMU runs and the backdoor has answered since the last boot. */
  isUp(): boolean {
    return !!this.pid && !!this.shell?.bootId;
  }

  /** Boot id of the running guest (changes on every boot). */
  get bootId(): string | undefined {
    return this.shell?.bootId;
  }

  /** Powers off cleanly (systemctl poweroff) and waits for QEMU to exit. */
  async shutdown(opts: TimeoutOpt = {}): Promise<void> {
    if (!this.pid) return;
    this.expectExit = true;
    this.shell?.run('systemctl poweroff --no-block', 5000).catch(() => undefined);
    await this.waitForShutdown({ timeout: opts.timeout ?? 90 });
  }

  /** Simulates a power cut: kills QEMU at once (no guest shutdown, no flush of guest caches). */
  async crash(): Promise<void> {
    this.powerCut = !!this.pid;
    await this.kill();
  }

  /** Reboots the guest (systemctl reboot); the same disks come back on a fresh boot. */
  async reboot(): Promise<void> {
    if (!this.pid) throw new InfraError('reboot: machine is not running', { machine: this.name, hint: 'call start() first' });
    this.expectExit = true; // QEMU runs with -no-reboot: the guest's reboot ends the process, we start it again
    this.shell?.run('systemctl reboot --no-block', 5000).catch(() => undefined);
    await this.waitForShutdown({ timeout: 90 });
    await this.start();
  }

  /** Waits until QEMU has exited (after a guest-initiated poweroff). */
  async waitForShutdown(opts: TimeoutOpt = {}): Promise<void> {
    if (!this.exited || !this.pid) return;
    this.expectExit = true;
    const exited = this.exited;
    await withDeadline(() => exited, { timeoutMs: (opts.timeout ?? 900) * 1000, what: 'the machine to shut down', context: () => this.context() });
  }

  /** Stops QEMU immediately (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    this.expectExit = true;
    if (this.pid) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await this.exited;
    }
    this.proc = undefined;
    this.pid = undefined;
  }

  /** Interrupts (^C) the command the backdoor is running, if any; returns whether there was one. */
  interrupt(): boolean {
    return this.shell?.interrupt() ?? false;
  }

  /** Connects to the live serial console (ttyS0; ttyAMA0 on aarch64) socket. */
  openSerial(): Promise<Socket> {
    return connectUnix(this.path('serial.sock'), 5000, this.dead.signal);
  }

  /** Sends a human monitor (HMP) command through QMP; returns its output. */
  sendMonitorCommand(command: string): Promise<string> {
    if (!this.qmp) throw new InfraError('machine is not running', this.context());
    return this.qmp.hmp(command);
  }

  /** Runs a QMP command (host-side deadline 30 s; fails at once when QEMU dies). */
  qmpCommand<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.qmp) throw new InfraError('machine is not running', this.context());
    return this.qmp.execute<T>(command, args, { signal: this.dead.signal });
  }

  /** Waits for the next QMP event matching a name or predicate (e.g. 'SHUTDOWN', 'NIC_RX_FILTER_CHANGED'). */
  waitForQmpEvent(filter: string | ((e: QmpEvent) => boolean), opts: TimeoutOpt = {}): Promise<QmpEvent> {
    if (!this.qmp) throw new InfraError('machine is not running', this.context());
    return this.qmp.waitEvent(filter, (opts.timeout ?? 900) * 1000, this.dead.signal);
  }

  /** Host port forwarded (on 127.0.0.1) to a guest port. */
  hostPort(guestPort: number): number {
    const p = this.ports.get(guestPort);
    if (!p) throw new ConfigError('forwards', `${this.name} has no forward for guest port ${guestPort}`, `add { guestPort: ${guestPort} } to the machine's forwards`);
    return p;
  }

  /** Stops QEMU and deletes the state dir (unless keep). */
  async destroy(opts: { keepState?: boolean } = {}): Promise<void> {
    await this.kill();
    if (!opts.keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  /** Runs each command; throws unless every one exits 0 (see commands.ts). */
  abstract succeed(...commands: string[]): Promise<string>;
}

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
