/**
 * The Machine API (camelCase of nixosTest's `machine`), over a QEMU process, its QMP socket, the root
 * backdoor on a virtio console and the captured serial log. Every wait has a host-side deadline and fails
 * fast, with the last serial lines, when the machine dies.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { detectAccel, type Accel } from '../accel.js';
import type { Socket } from 'node:net';
import { BackdoorShell, connectUnix } from '../console/shell.js';
import { SerialLog } from '../console/serial.js';
import { CommandFailedError, ConfigError, InfraError, MachineDiedError, WaitTimeoutError, type ErrorContext } from '../errors.js';
import { createBlankDisk, createOverlay } from '../images/disks.js';
import type { ImageFiles } from '../images/cache.js';
import { logger, type Logger } from '../log.js';
import { buildQemuArgv, kernelAppend, type NicSpec } from '../qemu/argv.js';
import { QmpClient } from '../qemu/qmp.js';
import { NotYet, retryUntil, sleep } from '../retry.js';
import { clearNetemCommand, netemCommand, type NetemSpec } from '../network/netem.js';
import { onExit } from '../util/cleanup.js';
import { isProcessOf } from '../util/procs.js';
import { privateDir } from '../util/paths.js';
import { parseShow, unitProbeCommand, unitVerdict } from './units.js';
import { freePort } from '../util/ports.js';
import { shellQuote } from '../util/quote.js';
import { alive as pidAlive } from '../images/cache.js';

export interface MachineOptions {
  name: string;
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
  /** Read-only raw disks shared between machines (image layers), after the data disks. */
  layers?: { path: string; serial: string }[];
  kernelArgs?: string[];
  accel?: Accel;
  /** Deadline for a boot to reach the backdoor (default 120 s under TCG, 60 s under KVM). */
  bootTimeoutMs?: number;
  /** Default deadline for one command (default 300 s). */
  commandTimeoutMs?: number;
  /** Runs after QEMU is spawned, before the guest is ready (e.g. attach TAPs to bridges). */
  afterSpawn?: (m: Machine) => Promise<void>;
  /** Runs after every boot once the backdoor is ready (e.g. network configuration). */
  afterBoot?: (m: Machine) => Promise<void>;
}

export interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout bytes exactly as the guest wrote them. */
  raw: Buffer;
}

export interface TimeoutOpt {
  /** Host-side deadline in seconds (nixosTest units). */
  timeout?: number;
}

export class Machine {
  readonly name: string;
  readonly stateDir: string;
  readonly serial: SerialLog;
  private readonly opts: MachineOptions;
  private readonly log: Logger;
  private proc?: ResultPromise;
  /** QEMU's pid while it runs (spawned here, or found by attach()). */
  private pid?: number;
  private qmp?: QmpClient;
  private shell?: BackdoorShell;
  private dead = new AbortController();
  private expectExit = false;
  private exited?: Promise<void>;
  private undoCleanup?: () => void;
  private readonly accel: Accel;
  /** Host ports of the forwards, by guest port (set at first start). */
  readonly ports = new Map<number, number>();
  /** Wall-clock ms of the last boot (spawn to backdoor ready). */
  lastBootMs?: number;

  constructor(opts: MachineOptions) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(opts.name)) throw new ConfigError('machine.name', `'${opts.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    this.opts = opts;
    this.name = opts.name;
    this.stateDir = opts.stateDir;
    this.serial = new SerialLog(join(opts.stateDir, 'serial.log'));
    this.log = logger(opts.name);
    this.accel = opts.accel ?? detectAccel().accel;
  }

  private path(f: string): string {
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
      const bootMs = this.opts.bootTimeoutMs ?? (this.accel === 'kvm' ? 60_000 : 120_000);
      const ready = await Promise.race([this.shell!.waitReady(), sleep(bootMs).then(() => undefined)]);
      if (!ready) throw new WaitTimeoutError(`backdoor not ready within ${bootMs / 1000} s of boot`, this.context({ hint: 'check the serial log for a stuck unit; raise bootTimeoutMs for slow hosts' }));
      this.lastBootMs = Date.now() - t0;
      this.log.info(`up in ${(this.lastBootMs / 1000).toFixed(1)} s (${this.accel})`);
      // The management NIC only carries 127.0.0.1 port forwards: an address, no gateway, no default route.
      if (this.ports.size) await this.succeed('ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up');
      await this.opts.afterBoot?.(this);
    } catch (e) {
      throw await this.failStart(e);
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
        accel: this.accel,
        memoryMiB: this.opts.memoryMiB ?? 1024,
        cpus: this.opts.cpus ?? 1,
        kernel: this.opts.image.kernel,
        initrd: this.opts.image.initrd,
        append: kernelAppend(this.name, this.opts.kernelArgs),
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
      }),
      ...extraArgv,
    ];
    writeFileSync(this.path('qemu.argv'), JSON.stringify(argv));
    appendFileSync(this.path('serial.log'), `\n--- n3x: ${extraArgv.length ? 'restoring' : 'starting'} ${this.name} (${this.accel}) at ${new Date().toISOString()} ---\n`);
    this.dead = new AbortController();
    this.expectExit = false;
    // Own process group and no pipes: a kept cluster's QEMU outlives this process (see detach()); our exit
    // handler, not the terminal's Ctrl-C, decides when QEMU stops.
    const proc = execa('qemu-system-x86_64', argv, { stdin: 'ignore', stdout: 'ignore', stderr: { file: this.path('qemu.stderr') }, reject: false, cleanup: false, detached: true });
    this.proc = proc;
    this.pid = proc.pid;
    this.watchExit(proc.then((r) => r.exitCode ?? r.signal ?? '?'));
    try {
      this.qmp = new QmpClient();
      this.shell = new BackdoorShell(this.path('shell.sock'), this.path('out.sock'), this.dead.signal);
      await Promise.all([this.qmp.connect(this.path('qmp.sock'), 10_000, this.dead.signal), this.shell.connect(10_000)]);
      for (const s of ['qmp.sock', 'shell.sock', 'out.sock', 'tty.sock', 'serial.sock']) if (existsSync(this.path(s))) chmodSync(this.path(s), 0o600);
      await this.opts.afterSpawn?.(this);
    } catch (e) {
      throw await this.failStart(e);
    }
  }

  /** Kills a half-started QEMU; returns the error to throw (the death reason when QEMU died first). */
  private async failStart(e: unknown): Promise<Error> {
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
        this.dead.abort(new MachineDiedError(`${why}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`, this.context()));
      }
    });
  }

  /**
   * Takes over a QEMU started by another process (a kept cluster): connects QMP and the backdoor, and
   * watches the pid. The other process must have detached first (sockets take one client).
   */
  async attach(): Promise<void> {
    const pid = Number(existsSync(this.path('qemu.pid')) ? readFileSync(this.path('qemu.pid'), 'utf8').trim() : 0);
    if (!isProcessOf(pid, 'qemu-system-x86_64', this.stateDir)) throw new InfraError('no running QEMU to attach to', this.context({ hint: 'the cluster is gone; `npx n3x stop --all` removes what is left of it' }));
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

  /** The machine's writable disk files in its state dir (root overlay, then data disks). */
  diskFiles(): string[] {
    return ['root.qcow2', ...(this.opts.disks ?? []).map((_, i) => `data${i}.qcow2`)].map((f) => this.path(f));
  }

  private async prepareDisks(): Promise<void> {
    if (!existsSync(this.path('root.qcow2'))) await createOverlay(this.opts.image.disk, this.path('root.qcow2'));
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
    const ms = (opts.timeout ?? 900) * 1000;
    const ok = await Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
    if (!ok) throw new WaitTimeoutError(`machine did not shut down within ${ms / 1000} s`, this.context());
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

  /** Runs a command; returns status and output. Throws only on deadline or a dead machine. */
  async execute(command: string, opts: TimeoutOpt = {}): Promise<ExecResult> {
    if (!this.shell || !this.pid) throw new InfraError('machine is not running', this.context({ command, hint: 'call start() first' }));
    const timeoutMs = opts.timeout !== undefined ? opts.timeout * 1000 : (this.opts.commandTimeoutMs ?? 300_000);
    const r = await this.shell.run(command, timeoutMs);
    appendFileSync(this.path('commands.log'), `$ ${command}\n# status ${r.status}${r.timedOut ? ' (timed out, interrupted)' : ''} in ${r.elapsedMs} ms\n`);
    if (r.timedOut) {
      throw new WaitTimeoutError(`command timed out after ${timeoutMs / 1000} s and was interrupted (the machine is still usable)`, this.context({ command, elapsedMs: r.elapsedMs }));
    }
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr, raw: r.stdout };
  }

  /** Runs each command; throws unless every one exits 0. Returns the concatenated stdout. */
  async succeed(...commands: string[]): Promise<string> {
    let out = '';
    for (const c of commands) {
      const r = await this.execute(c);
      if (r.status !== 0) throw new CommandFailedError(`command failed with status ${r.status}${r.stderr ? `; stderr: ${r.stderr.trim().slice(-500)}` : ''}`, r.status, r.stdout, r.stderr, this.context({ command: c }));
      out += r.stdout;
    }
    return out;
  }

  /** Runs each command; throws unless every one exits non-zero. Returns the concatenated stdout. */
  async fail(...commands: string[]): Promise<string> {
    let out = '';
    for (const c of commands) {
      const r = await this.execute(c);
      if (r.status === 0) throw new CommandFailedError('command succeeded unexpectedly', 0, r.stdout, r.stderr, this.context({ command: c }));
      out += r.stdout;
    }
    return out;
  }

  /** Repeats a command until it exits 0; returns its stdout. */
  waitUntilSucceeds(command: string, opts: TimeoutOpt = {}): Promise<string> {
    return this.poll(command, opts, (r) => r.status === 0);
  }

  /** Repeats a command until it exits non-zero; returns its stdout. */
  waitUntilFails(command: string, opts: TimeoutOpt = {}): Promise<string> {
    return this.poll(command, opts, (r) => r.status !== 0);
  }

  private poll(command: string, opts: TimeoutOpt, done: (r: ExecResult) => boolean): Promise<string> {
    return retryUntil(
      async (remaining) => {
        const r = await this.execute(command, { timeout: Math.max(1, remaining / 1000) });
        if (!done(r)) throw new NotYet(`status ${r.status}`);
        return r.stdout;
      },
      { timeoutMs: (opts.timeout ?? 900) * 1000, what: `\`${command}\``, context: () => this.context({ command }), signal: this.dead.signal },
    );
  }

  /** Waits until a systemd unit is active (or a oneshot finished OK); fails at once if it failed. */
  async waitForUnit(unit: string, opts: TimeoutOpt = {}): Promise<void> {
    await retryUntil(
      async (remaining) => {
        const { stdout: out } = await this.execute(unitProbeCommand(unit), { timeout: Math.max(1, Math.min(30, remaining / 1000)) });
        const [show, jobs = ''] = out.split('\n---\n');
        const v = unitVerdict(unit, parseShow(show), jobs.trim() !== '');
        if (v.kind === 'done') return;
        if (v.kind === 'fail') throw new CommandFailedError(v.why, 1, out, '', this.context({ command: `waitForUnit(${unit})` }));
        throw new NotYet(v.why);
      },
      { timeoutMs: (opts.timeout ?? 900) * 1000, what: `unit ${unit}`, context: () => this.context(), signal: this.dead.signal, intervalMs: 300 },
    ).catch(async (e) => {
      if (e instanceof CommandFailedError) throw await this.withJournal(e, unit);
      throw e;
    });
  }

  private async withJournal(e: CommandFailedError, unit: string): Promise<Error> {
    const j = await this.execute(`journalctl -u '${unit}' --no-pager -n 15 -o cat`, { timeout: 10 }).catch(() => undefined);
    if (j?.stdout) e.message += `\n  journal of ${unit}:\n${j.stdout.trimEnd().split('\n').map((l) => `    | ${l}`).join('\n')}`;
    return e;
  }

  /** All properties of a unit (systemctl show). */
  async getUnitInfo(unit: string): Promise<Record<string, string>> {
    return parseShow(await this.succeed(`systemctl show --no-pager '${unit}'`));
  }

  /** One property of a unit. */
  async getUnitProperty(unit: string, property: string): Promise<string> {
    return (await this.succeed(`systemctl show --no-pager -p '${property}' --value '${unit}'`)).trimEnd();
  }

  /** Throws unless the unit's ActiveState equals `state` (default active). */
  async requireUnitState(unit: string, state = 'active'): Promise<void> {
    const actual = (await this.getUnitInfo(unit)).ActiveState;
    if (actual !== state) throw new CommandFailedError(`expected unit ${unit} to be ${state}, it is ${actual}`, 1, '', '', this.context());
  }

  /** Runs `systemctl <args>`; returns status and output. */
  systemctl(args: string): Promise<ExecResult> {
    return this.execute(`systemctl ${args}`);
  }

  /** Waits until a path exists in the guest. */
  async waitForFile(path: string, opts: TimeoutOpt = {}): Promise<void> {
    await this.waitUntilSucceeds(`test -e '${path}'`, opts);
  }

  /** Waits until something listens on a TCP port (default address 127.0.0.1). */
  async waitForOpenPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    await this.waitUntilSucceeds(`nc -z -w 1 ${opts.addr ?? '127.0.0.1'} ${port}`, opts);
  }

  /** Waits until nothing listens on a TCP port. */
  async waitForClosedPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    await this.waitUntilFails(`nc -z -w 1 ${opts.addr ?? '127.0.0.1'} ${port}`, opts);
  }

  /** Waits until the serial log matches a regex; returns the match. */
  waitForConsoleText(re: RegExp | string, opts: TimeoutOpt = {}): Promise<RegExpMatchArray> {
    const rx = typeof re === 'string' ? new RegExp(re) : re;
    return retryUntil(
      async () => {
        const m = this.serial.read().match(rx);
        if (!m) throw new NotYet('no match yet');
        return m;
      },
      { timeoutMs: (opts.timeout ?? 900) * 1000, what: `console text ${rx}`, intervalMs: 100, maxIntervalMs: 250, context: () => this.context() },
    );
  }

  /** The whole serial log so far. */
  getConsoleLog(): string {
    return this.serial.read();
  }

  /** Copies a host file or directory into the guest at `dst` (full target path). */
  async copyFromHost(src: string, dst: string): Promise<void> {
    const isDir = statSync(src).isDirectory();
    const data = isDir ? (await execa('tar', ['-C', src, '-cf', '-', '.'], { encoding: 'buffer' })).stdout : readFileSync(src);
    const tmp = `/run/n3x/upload.${process.pid}.${Date.now()}`;
    await this.succeed(`rm -f ${tmp}`);
    const chunk = 3 * 256 * 1024; // base64 of 768 KiB per command
    for (let off = 0; off < data.length || off === 0; off += chunk) {
      const b64 = Buffer.from(data.subarray(off, off + chunk)).toString('base64');
      await this.succeed(`printf %s '${b64}' | base64 -d >> ${tmp}`);
      if (data.length === 0) break;
    }
    const q = shellQuote(dst);
    if (isDir) await this.succeed(`mkdir -p ${q} && tar -C ${q} -xf ${tmp} && rm -f ${tmp}`);
    else await this.succeed(`mkdir -p "$(dirname ${q})" && mv ${tmp} ${q} && chmod ${(statSync(src).mode & 0o777).toString(8)} ${q}`);
  }

  /** Copies a guest file or directory into host dir `dstDir` (created); returns the host path. */
  async copyFromMachine(src: string, dstDir: string): Promise<string> {
    mkdirSync(dstDir, { recursive: true });
    const q = shellQuote(src);
    const isDir = (await this.execute(`test -d ${q}`)).status === 0;
    const target = join(dstDir, basename(src));
    if (isDir) {
      const r = await this.execute(`tar -C "$(dirname ${q})" -cf - "$(basename ${q})"`);
      if (r.status !== 0) throw new CommandFailedError(`cannot read ${src}: ${r.stderr.trim()}`, r.status, '', r.stderr, this.context());
      await execa('tar', ['-C', dstDir, '-xf', '-'], { input: r.raw });
    } else {
      const r = await this.execute(`cat ${q}`);
      if (r.status !== 0) throw new CommandFailedError(`cannot read ${src}: ${r.stderr.trim()}`, r.status, '', r.stderr, this.context());
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, r.raw);
    }
    return target;
  }

  /**
   * Starts an interactive root login shell on the guest's second console (/dev/hvc1) and returns the
   * host-side socket of that terminal (for the REPL's `.shell`). Closing it stops the shell.
   */
  async openTerminal(size: { rows: number; cols: number } = { rows: 40, cols: 120 }, term = 'xterm-256color'): Promise<Socket> {
    const sock = await connectUnix(this.path('tty.sock'), 5000, this.dead.signal);
    await this.succeed(
      'systemctl stop n3x-tty.service 2>/dev/null; systemctl reset-failed n3x-tty.service 2>/dev/null; true',
      `stty -F /dev/hvc1 sane rows ${size.rows} cols ${size.cols}`,
      `systemd-run --unit=n3x-tty -p TTYPath=/dev/hvc1 -p StandardInput=tty-force -p StandardOutput=tty -p StandardError=tty -p TTYReset=yes -E TERM=${term.replace(/[^A-Za-z0-9_.-]/g, '')} -E HOME=/root --working-directory=/root /bin/bash -l`,
    );
    sock.once('close', () => void this.execute('systemctl stop n3x-tty.service', { timeout: 10 }).catch(() => undefined));
    return sock;
  }

  /** Connects to the live serial console (ttyS0) socket. */
  openSerial(): Promise<Socket> {
    return connectUnix(this.path('serial.sock'), 5000, this.dead.signal);
  }

  /** Sends a human monitor (HMP) command through QMP; returns its output. */
  sendMonitorCommand(command: string): Promise<string> {
    if (!this.qmp) throw new InfraError('machine is not running', this.context());
    return this.qmp.hmp(command);
  }

  /** Runs a QMP command. */
  qmpCommand<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.qmp) throw new InfraError('machine is not running', this.context());
    return this.qmp.execute<T>(command, args);
  }

  /** Sleeps for `seconds` (host side). */
  sleep(seconds: number): Promise<void> {
    return sleep(seconds * 1000);
  }

  /** Data NIC device ids in guest order (eth1, eth2, …). */
  get dataNics(): string[] {
    return (this.opts.nics ?? []).map((n) => n.id);
  }

  /** Sets the link state of a data NIC by guest name (eth1) or device id. */
  async setLink(nic: string, up: boolean): Promise<void> {
    const id = /^eth\d+$/.test(nic) ? this.dataNics[Number(nic.slice(3)) - 1] : nic;
    if (!id) throw new ConfigError('nic', `${this.name} has no data NIC ${nic}`, `use one of ${this.dataNics.map((_, i) => `eth${i + 1}`).join(', ') || '(none)'}`);
    await this.qmpCommand('set_link', { name: id, up });
  }

  /** Cuts every data NIC (the machine keeps running; the backdoor is unaffected). */
  async block(): Promise<void> {
    for (const id of this.dataNics) await this.qmpCommand('set_link', { name: id, up: false });
  }

  /** Restores every data NIC. */
  async unblock(): Promise<void> {
    for (const id of this.dataNics) await this.qmpCommand('set_link', { name: id, up: true });
  }

  /** Applies netem (delay, jitter, loss, rate) to a guest interface. */
  async netem(iface: string, spec: NetemSpec): Promise<void> {
    await this.succeed(netemCommand(iface, spec));
  }

  /** Removes any netem qdisc from a guest interface. */
  async clearNetem(iface: string): Promise<void> {
    await this.succeed(clearNetemCommand(iface));
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
}
