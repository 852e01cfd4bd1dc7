/**
 * A machine's QEMU process and its sockets: spawning (own process group), QMP, the backdoor shell, exit
 * watching (fail fast when QEMU dies), taking over a running QEMU and letting one go, saving and loading
 * state through QEMU's migration stream. Knows nothing of commands, faults or files.
 */
import { appendFileSync, chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import type { Accel } from '../accel.js';
import { BackdoorShell, connectUnix } from '../console/shell.js';
import type { SerialLog } from '../console/serial.js';
import { InfraError, MachineDiedError, type ErrorContext } from '../errors.js';
import { buildQemuArgv, kernelAppend, type NicSpec } from '../qemu/argv.js';
import { archProfile, type Arch } from '../qemu/arch.js';
import { QmpClient, type QmpEvent } from '../qemu/qmp.js';
import { NotYet, retryUntil, withDeadline } from '../retry.js';
import { onExit } from '../util/cleanup.js';
import { isProcessOf, isRunning } from '../util/procs.js';
import { privateDir } from '../util/paths.js';
import { shellQuote } from '../util/quote.js';
import type { MachineDisks } from './disks.js';
import type { MachineEvent, MachineOptions } from './types.js';

/** What the process needs of the machine it belongs to. */
export interface QemuProcessDeps {
  opts: MachineOptions;
  arch: Arch;
  accel: Accel;
  disks: MachineDisks;
  serial: SerialLog;
  context: (extra?: ErrorContext) => ErrorContext;
  emit: (e: MachineEvent) => void;
}

const SOCKETS = ['qmp.sock', 'shell.sock', 'out.sock', 'tty.sock', 'serial.sock'];

export class QemuProcess {
  private proc?: ResultPromise;
  /** QEMU's pid while it runs (spawned here, or found by attach()). */
  private pid?: number;
  private qmp?: QmpClient;
  /** The backdoor shell of the running QEMU. */
  shell?: BackdoorShell;
  private died = new AbortController();
  private expectExit = false;
  /** Set by crash() until QEMU is gone: its end is a power cut, not a stop. */
  private powerCut = false;
  private exited?: Promise<void>;
  private undoCleanup?: () => void;
  private readonly name: string;
  private readonly stateDir: string;

  constructor(private readonly m: QemuProcessDeps) {
    this.name = m.opts.name;
    this.stateDir = m.opts.stateDir;
  }

  private path(f: string): string {
    return join(this.stateDir, f);
  }

  /** Aborts (with a MachineDiedError) when QEMU dies unexpectedly; renewed at every spawn or attach. */
  get signal(): AbortSignal {
    return this.died.signal;
  }

  /** True while a QEMU runs (spawned or attached). */
  get running(): boolean {
    return !!this.pid;
  }

  /** Spawns QEMU (own process group), connects QMP and the backdoor sockets, runs afterSpawn. */
  async spawn(extraArgv: string[], hostfwd: { guestPort: number; hostPort: number }[], onLaunch?: () => void): Promise<void> {
    privateDir(this.stateDir);
    await this.m.disks.prepare();
    for (const f of [...SOCKETS, 'qemu.pid']) rmSync(this.path(f), { force: true });
    const argv = [...this.argv(hostfwd), ...extraArgv];
    writeFileSync(this.path('qemu.argv'), JSON.stringify(argv));
    appendFileSync(this.path('serial.log'), `\n--- n3x: ${extraArgv.length ? 'restoring' : 'starting'} ${this.name} (${this.m.accel}) at ${new Date().toISOString()} ---\n`);
    this.died = new AbortController();
    this.expectExit = false;
    onLaunch?.();
    this.m.emit({ kind: 'start', restoring: extraArgv.length > 0 });
    // Own process group and no pipes: a kept cluster's QEMU outlives this process (see detach()); our exit
    // handler, not the terminal's Ctrl-C, decides when QEMU stops.
    const proc = execa(archProfile(this.m.arch).binary, argv, { stdin: 'ignore', stdout: 'ignore', stderr: { file: this.path('qemu.stderr') }, reject: false, cleanup: false, detached: true });
    this.proc = proc;
    this.pid = proc.pid;
    this.watchExit(proc.then((r) => r.exitCode ?? r.signal ?? '?'));
    try {
      await this.connect(10_000);
      for (const s of SOCKETS) if (existsSync(this.path(s))) chmodSync(this.path(s), 0o600);
      await this.m.opts.afterSpawn?.();
    } catch (e) {
      throw await this.failStart(e);
    }
  }

  private argv(hostfwd: { guestPort: number; hostPort: number }[]): string[] {
    const { opts, arch, accel, disks } = this.m;
    const fw = disks.firmware;
    const mgmt: NicSpec = { id: 'mgmt', mac: '52:54:00:00:00:01', backend: { type: 'user', hostfwd } };
    return buildQemuArgv({
      name: this.name,
      arch,
      accel,
      memoryMiB: opts.memoryMiB ?? 1024,
      cpus: opts.cpus ?? 1,
      ...(fw ? { firmware: fw, firmwareVars: disks.firmwareVars } : { kernel: opts.image.kernel, initrd: opts.image.initrd, append: kernelAppend(this.name, opts.kernelArgs, arch) }),
      disks: disks.argv(),
      nics: [mgmt, ...(opts.nics ?? [])],
      qmpSocket: this.path('qmp.sock'),
      shellSocket: this.path('shell.sock'),
      outSocket: this.path('out.sock'),
      ttySocket: this.path('tty.sock'),
      serialSocket: this.path('serial.sock'),
      serialLog: this.path('serial.log'),
      pidFile: this.path('qemu.pid'),
      sharedDir: privateDir(this.path('shared')),
    });
  }

  private async connect(timeoutMs: number): Promise<void> {
    this.qmp = new QmpClient();
    this.shell = new BackdoorShell(this.path('shell.sock'), this.path('out.sock'), this.died.signal);
    await Promise.all([this.qmp.connect(this.path('qmp.sock'), timeoutMs, this.died.signal), this.shell.connect(timeoutMs)]);
  }

  /** Kills a half-started QEMU; returns the error to throw (the death reason when QEMU died first). */
  async failStart(e: unknown): Promise<Error> {
    const err = this.died.signal.aborted ? (this.died.signal.reason as Error) : (e as Error);
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
      if (!this.expectExit) this.died.abort(this.death(code));
      else this.m.emit(this.powerCut ? { kind: 'crash', cause: 'power-cut' } : { kind: 'stop' });
      this.powerCut = false;
    });
  }

  /** The error of an unexpected exit (a kernel panic, or QEMU's last stderr lines), emitted as a crash. */
  private death(code: number | string): MachineDiedError {
    const panic = this.m.serial.tail(200).some((l) => /Kernel panic/.test(l));
    const why = panic ? 'guest kernel panicked' : `QEMU exited unexpectedly (${code})`;
    const stderr = existsSync(this.path('qemu.stderr')) ? readFileSync(this.path('qemu.stderr'), 'utf8').trim() : '';
    const detail = `${why}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`;
    this.m.emit({ kind: 'crash', cause: 'died', detail });
    return new MachineDiedError(detail, this.m.context());
  }

  /**
   * Takes over a QEMU started by another process (a kept cluster): connects QMP and the backdoor, and
   * watches the pid. Returns the host forwards found in its argv. The other process must have detached first.
   */
  async attach(): Promise<Map<number, number>> {
    const pid = Number(existsSync(this.path('qemu.pid')) ? readFileSync(this.path('qemu.pid'), 'utf8').trim() : 0);
    if (!isProcessOf(pid, archProfile(this.m.arch).binary, this.stateDir)) throw new InfraError('no running QEMU to attach to', this.m.context({ hint: 'the cluster is gone; `npx n3x stop --all` removes what is left of it' }));
    this.died = new AbortController();
    this.expectExit = false;
    this.pid = pid;
    await this.connect(5000);
    this.shell!.markReady((await this.shell!.run('cat /proc/sys/kernel/random/boot_id', 10_000)).stdout.toString().trim());
    const argv = existsSync(this.path('qemu.argv')) ? (JSON.parse(readFileSync(this.path('qemu.argv'), 'utf8')) as string[]) : [];
    const ports = new Map<number, number>();
    for (const m of argv.join(' ').matchAll(/hostfwd=tcp:127\.0\.0\.1:(\d+)-:(\d+)/g)) ports.set(Number(m[2]), Number(m[1]));
    this.watchExit(pidGone(pid));
    return ports;
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

  /**
   * Asks the guest's systemd to reboot or power off and waits for systemctl's answer: the job was queued (status 0),
   * or the guest refused and the error says why; from then on QEMU's exit is expected. The command's deadline is
   * the one any command has: under a loaded TCG host systemctl can take seconds to start, and interrupting it
   * before it has queued the job (as a 5 s deadline once did) leaves a guest that never shuts down.
   * It starts the target itself, as `systemctl reboot` does when logind is absent: through logind (once it is up) the
   * same refusal read "Access denied" instead of the reason, depending on how far the guest had booted.
   */
  async requestPowerAction(verb: 'reboot' | 'poweroff', timeout = 120): Promise<void> {
    const shell = this.shell;
    if (!this.pid || !shell?.bootId) throw new InfraError(`${verb}: the backdoor is not connected`, this.m.context({ hint: 'call start() first' }));
    this.expectExit = true;
    const command = `systemctl start ${verb}.target --job-mode=replace-irreversibly --no-block`;
    const r = await shell.run(command, timeout * 1000).catch((e: unknown) => {
      if (!this.pid) return undefined; // QEMU already exited: the guest went down before the answer came back
      this.expectExit = false;
      throw new InfraError(`${verb}: no answer from the guest to '${command}': ${e instanceof Error ? e.message : String(e)}`, this.m.context({ command }), { cause: e });
    });
    if (!r || (r.status === 0 && !r.timedOut)) return;
    this.expectExit = false;
    const why = r.timedOut ? `'${command}' did not answer within ${timeout} s and was interrupted` : `'${command}' exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ') || '(no stderr)'}`;
    throw new InfraError(`${verb}: the guest did not accept the request: ${why}`, this.m.context({ command, hint: 'the guest is still up and unchanged; look at `systemctl list-jobs` and the journal in it' }));
  }

  /** Simulates a power cut: kills QEMU at once. */
  async powerOff(): Promise<void> {
    this.powerCut = this.running;
    await this.kill();
  }

  /** Waits until QEMU has exited (deadline `timeout` seconds). */
  async waitForExit(timeout: number): Promise<void> {
    if (!this.exited || !this.pid) return;
    this.expectExit = true;
    const exited = this.exited;
    await withDeadline(() => exited, { timeout: timeout, what: 'the machine to shut down', context: () => this.m.context() });
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

  /** Writes the paused machine's memory and device state to `stateFile` (deadline `timeout` seconds). */
  async saveState(stateFile: string, timeout: number): Promise<void> {
    await this.qmpCommand('migrate-set-parameters', { 'max-bandwidth': 64 * 1024 ** 3 });
    await this.qmpCommand('migrate', { uri: `exec:cat > ${shellQuote(stateFile)}` });
    await this.waitMigration(timeout, 'saving');
  }

  /** Starts QEMU paused and loads a state saved by saveState() (deadline `timeout` seconds). */
  async loadState(stateFile: string, timeout: number, hostfwd: { guestPort: number; hostPort: number }[], onLaunch?: () => void): Promise<void> {
    await this.spawn(['-S', '-incoming', 'defer'], hostfwd, onLaunch);
    try {
      await this.qmp!.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(stateFile)}` });
      await this.waitMigration(timeout, 'loading');
    } catch (e) {
      const err = await this.failStart(e);
      const stderr = existsSync(this.path('qemu.stderr')) ? readFileSync(this.path('qemu.stderr'), 'utf8').trim().split('\n').slice(-2).join(' / ') : '';
      throw new InfraError(`loading machine state from ${stateFile} failed: ${err.message.split('\n')[0]}${stderr ? ` (QEMU: ${stderr})` : ''}`, this.m.context({ hint: 'the snapshot is corrupt or from another QEMU/configuration; delete it and it is rebuilt' }), { cause: err });
    }
  }

  private async waitMigration(timeout: number, what: string): Promise<void> {
    await retryUntil(
      async () => {
        const r = await this.qmpCommand<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (r.status === 'completed') return;
        if (r.status === 'failed' || r.status === 'cancelled') throw new InfraError(`${what} machine state failed: ${r['error-desc'] ?? r.status}`, this.m.context({ hint: 'the snapshot may be corrupt or from another QEMU/configuration; delete it to rebuild' }));
        throw new NotYet(`migration ${r.status ?? 'not started'}`);
      },
      { timeout: timeout, what: `${what} machine state`, interval: 0.02, maxInterval: 0.1, context: () => this.m.context(), signal: this.died.signal },
    );
  }

  /**
   * Continues a paused (or just loaded) QEMU, reconnects to the backdoor and sets the guest clock to the host's;
   * `guestCommand` runs in the same first round trip, the exact clock through `succeed` once the guest is warm.
   */
  async resume(guestCommand: string, succeed: (command: string) => Promise<string>): Promise<void> {
    await this.qmpCommand('cont');
    const shell = this.shell!;
    const setClock = () => `date -u -s @${(Date.now() / 1000).toFixed(3)} >/dev/null`;
    const first = await shell.run(`read -r id < /proc/sys/kernel/random/boot_id; echo "$id"; ${setClock()}; ${guestCommand}`, 60_000);
    if (first.timedOut || first.status !== 0) throw new InfraError(`resuming: the guest did not answer cleanly (status ${first.status}): ${first.stderr.trim().slice(-300)}`, this.m.context());
    if (!shell.bootId) shell.markReady(first.stdout.toString().split('\n')[0].trim());
    await succeed(setClock()); // warm now: exact to one round trip
    this.m.emit({ kind: 'clock', epochMs: Date.now() });
  }

  /** Runs a QMP command (host-side deadline 30 s; fails at once when QEMU dies). */
  qmpCommand<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.qmp) throw new InfraError('machine is not running', this.m.context());
    return this.qmp.execute<T>(command, args, { signal: this.died.signal });
  }

  /** Sends a human monitor (HMP) command through QMP; returns its output. */
  sendMonitorCommand(command: string): Promise<string> {
    if (!this.qmp) throw new InfraError('machine is not running', this.m.context());
    return this.qmp.hmp(command);
  }

  /** Waits for the next QMP event matching a name or predicate (deadline `timeout` seconds). */
  waitForQmpEvent(filter: string | ((e: QmpEvent) => boolean), timeout: number): Promise<QmpEvent> {
    if (!this.qmp) throw new InfraError('machine is not running', this.m.context());
    return this.qmp.waitEvent(filter, timeout * 1000, this.died.signal);
  }

  /** Connects to one of the machine's unix sockets (serial.sock, tty.sock). */
  openSocket(name: 'serial.sock' | 'tty.sock'): Promise<Socket> {
    return connectUnix(this.path(name), 5000, this.died.signal);
  }
}

/** Resolves once `pid` is gone (polled every 500 ms; the timer does not hold the process open). */
function pidGone(pid: number): Promise<string> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (!isRunning(pid)) {
        clearInterval(t);
        resolve('gone');
      }
    }, 500);
    t.unref();
  });
}
