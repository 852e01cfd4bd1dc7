/**
 * A machine's command channel: execute/succeed/fail through the backdoor shell, the waits built on them,
 * systemd units, polling conditions. Each command is appended to commands.log and emitted as an event.
 */
import { appendFileSync } from 'node:fs';
import { CommandFailedError, ConfigError, InfraError, WaitTimeoutError } from '../errors.js';
import { NotYet, retryUntil } from '../retry.js';
import { shellQuote } from '../util/quote.js';
import { splitCommands } from './commands.js';
import { commandFailure, describeStatus, outputTails } from './outcome.js';
import type { BackdoorShell } from '../console/shell.js';
import type { ErrorContext } from '../errors.js';
import type { CommandsArgs, ExecResult, MachineEvent, TimeoutOpt } from './types.js';
import { parseProbe, parseShow, unitProbeCommand, unitVerdict, validUnitName } from './units.js';

/** An active polling condition (see Machine.pollingCondition). */
export interface PollingCondition {
  readonly description: string;
  readonly interval: number;
  lastChecked: number;
  readonly condition: () => Promise<boolean | void>;
  /** Ends the condition. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** `systemctl ARGS`, or for a user's manager the way nixosTest runs it (su to the user, their runtime dir). */
export function systemctlCommand(args: string, user?: string): string {
  if (!user) return `systemctl ${args}`;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new ConfigError('user', `'${user}' is not a user name`, 'use a login name such as alice');
  const inner = `XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user ${args}`;
  return `su -l ${user} --shell /bin/sh -c ${shellQuote(inner)}`;
}

/** Refuses unit names that are not systemd unit names (they would be shell words or options). */
function checkUnit(unit: string): void {
  if (!validUnitName(unit)) throw new ConfigError('unit', `'${unit}' is not a systemd unit name`, 'use a name such as k3s.service or multi-user.target');
}

/** `nc -z` probe of a TCP port; the address is validated (an IP or a hostname). */
function portProbe(port: number, addr = 'localhost'): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError('port', `${port} is not a TCP port`, 'use 1-65535');
  if (!/^[A-Za-z0-9.:-]+$/.test(addr)) throw new ConfigError('addr', `'${addr}' is not an address`, 'use an IP address or host name');
  return `nc -z -w 1 ${shellQuote(addr)} ${port}`;
}
/** What the channel needs of the machine it belongs to. */
export interface ChannelDeps {
  name: string;
  /** The backdoor shell while QEMU runs. */
  shell: () => BackdoorShell | undefined;
  /** Aborts when the machine dies (waits end at once). */
  signal: () => AbortSignal;
  context: (extra?: ErrorContext) => ErrorContext;
  /** Default deadline of one command, in seconds. */
  commandTimeout?: number;
  /** Where every command and its status are appended. */
  logFile: string;
  emit: (e: MachineEvent) => void;
}

export class CommandChannel {
  /** Active polling conditions (pollingCondition), and whether one is being checked now. */
  private readonly conditions = new Set<PollingCondition>();
  private checking = false;
  private readonly name: string;

  constructor(private readonly m: ChannelDeps) {
    this.name = m.name;
  }

  private context(extra?: ErrorContext): ErrorContext {
    return this.m.context(extra);
  }

  /** Runs a command; returns status and output. Throws only on deadline, a dead machine or a failed polling condition. */
  async execute(command: string, opts: TimeoutOpt = {}): Promise<ExecResult> {
    const shell = this.m.shell();
    if (!shell) throw new InfraError('machine is not running', this.context({ command, hint: 'call start() first' }));
    await this.checkConditions(command);
    const timeoutMs = (opts.timeout ?? this.m.commandTimeout ?? 300) * 1000;
    const r = await shell.run(command, timeoutMs);
    appendFileSync(this.m.logFile, `$ ${command}\n# status ${r.status}${r.timedOut ? ' (timed out, interrupted)' : ''} in ${r.elapsedMs} ms\n`);
    this.m.emit({ kind: 'command', command, status: r.status, ms: r.elapsedMs, timedOut: !!r.timedOut, stdout: r.stdout.toString('utf8'), stderr: r.stderr, stdoutBytes: r.stdout.length });
    if (r.timedOut) {
      const out = outputTails(r.stdout.toString('utf8'), r.stderr);
      throw new WaitTimeoutError(`command timed out after ${timeoutMs / 1000} s and was interrupted (the machine is still usable)\n${out}`, this.context({ command, elapsedMs: r.elapsedMs }));
    }
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr, raw: r.stdout };
  }

  /** Runs each command; throws unless every one exits 0. Returns the concatenated stdout. `{ timeout }` last: seconds per command. */
  async succeed(...args: CommandsArgs): Promise<string> {
    const { commands, opts } = splitCommands(args);
    let out = '';
    for (const c of commands) {
      const r = await this.execute(c, opts);
      if (r.status !== 0) throw this.commandError('zero', c, r);
      out += r.stdout;
    }
    return out;
  }

  /** Runs each command; throws unless every one exits non-zero. Returns the concatenated stdout. `{ timeout }` last: seconds per command. */
  async fail(...args: CommandsArgs): Promise<string> {
    const { commands, opts } = splitCommands(args);
    let out = '';
    for (const c of commands) {
      const r = await this.execute(c, opts);
      if (r.status === 0) throw this.commandError('non-zero', c, r);
      out += r.stdout;
    }
    return out;
  }

  /** A command that exited with the wrong status: the guest is fine, so no serial tail, but its output. */
  private commandError(expected: 'zero' | 'non-zero', command: string, r: ExecResult): CommandFailedError {
    return new CommandFailedError(commandFailure(expected, r.status, r.stdout, r.stderr), r.status, r.stdout, r.stderr, { machine: this.name, command });
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
        if (!done(r)) throw new NotYet(describeStatus(r.status), outputTails(r.stdout, r.stderr));
        return r.stdout;
      },
      { timeout: opts.timeout ?? 900, what: `\`${command}\``, context: () => this.context({ command }), signal: this.m.signal() },
    );
  }

  /** Waits until a systemd unit is active (or a oneshot finished OK); fails at once if it failed. `user`: a user's manager. */
  async waitForUnit(unit: string, opts: TimeoutOpt & { user?: string } = {}): Promise<void> {
    checkUnit(unit);
    await retryUntil(
      async (remaining) => {
        const { stdout: out } = await this.execute(unitProbeCommand(unit, { user: opts.user }), { timeout: Math.max(1, Math.min(30, remaining / 1000)) });
        const v = unitVerdict(unit, parseProbe(out));
        if (v.kind === 'done') return;
        if (v.kind === 'fail') throw new CommandFailedError(v.why, 1, out, '', { machine: this.name, command: `waitForUnit(${unit})` });
        throw new NotYet(v.why);
      },
      { timeout: opts.timeout ?? 900, what: `unit ${unit}`, context: () => this.context(), signal: this.m.signal(), interval: 0.3 },
    ).catch(async (e) => {
      if (e instanceof CommandFailedError) throw await this.withJournal(e, unit);
      throw e;
    });
  }

  private async withJournal(e: CommandFailedError, unit: string): Promise<Error> {
    const j = await this.execute(`journalctl -u ${shellQuote(unit)} --no-pager -n 15 -o cat`, { timeout: 10 }).catch(() => undefined);
    if (j?.stdout) e.message += `\n  journal of ${unit}:\n${j.stdout.trimEnd().split('\n').map((l) => `    | ${l}`).join('\n')}`;
    return e;
  }

  /** All properties of a unit (systemctl show). */
  async getUnitInfo(unit: string): Promise<Record<string, string>> {
    checkUnit(unit);
    return parseShow(await this.succeed(`systemctl show --no-pager ${shellQuote(unit)}`));
  }

  /** One property of a unit. */
  async getUnitProperty(unit: string, property: string): Promise<string> {
    checkUnit(unit);
    return (await this.succeed(`systemctl show --no-pager -p ${shellQuote(property)} --value ${shellQuote(unit)}`)).trimEnd();
  }

  /** Throws unless the unit's ActiveState equals `state` (default active). */
  async requireUnitState(unit: string, state = 'active'): Promise<void> {
    const actual = (await this.getUnitInfo(unit)).ActiveState;
    if (actual !== state) throw new CommandFailedError(`expected unit ${unit} to be ${state}, it is ${actual}`, 1, '', '', { machine: this.name });
  }

  /** Runs `systemctl <args>` (for a user's manager with `{ user }`); returns status and output. */
  systemctl(args: string, opts: { user?: string } = {}): Promise<ExecResult> {
    return this.execute(systemctlCommand(args, opts.user));
  }

  /** Starts a unit (`systemctl start`), as nixosTest's start_job; returns status and output. */
  startJob(unit: string, opts: { user?: string } = {}): Promise<ExecResult> {
    checkUnit(unit);
    return this.systemctl(`start ${shellQuote(unit)}`, opts);
  }

  /** Stops a unit (`systemctl stop`), as nixosTest's stop_job; returns status and output. */
  stopJob(unit: string, opts: { user?: string } = {}): Promise<ExecResult> {
    checkUnit(unit);
    return this.systemctl(`stop ${shellQuote(unit)}`, opts);
  }

  /** Waits until a path exists in the guest. */
  async waitForFile(path: string, opts: TimeoutOpt = {}): Promise<void> {
    await this.waitUntilSucceeds(`test -e ${shellQuote(path)}`, opts);
  }

  /** Waits until something listens on a TCP port (default address `localhost`: a listener on ::1 counts, as in nixosTest). */
  async waitForOpenPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    await this.waitUntilSucceeds(portProbe(port, opts.addr), opts);
  }

  /** Waits until a process listens on a unix-domain socket (stream, or datagram with `{ datagram: true }`). */
  async waitForOpenUnixSocket(path: string, opts: TimeoutOpt & { datagram?: boolean } = {}): Promise<void> {
    await this.waitUntilSucceeds(`nc -z ${opts.datagram ? '-uU' : '-U'} ${shellQuote(path)}`, opts);
  }

  /** Waits until nothing listens on a TCP port (default address `localhost`). */
  async waitForClosedPort(port: number, opts: TimeoutOpt & { addr?: string } = {}): Promise<void> {
    await this.waitUntilFails(portProbe(port, opts.addr), opts);
  }

  /**
   * Checks `condition` before every command while active (at most every `interval` seconds), as nixosTest's
   * polling_condition: a condition that throws or returns false fails the command that was about to run.
   * Returns a handle; `dispose()` (or `using`) ends it.
   */
  pollingCondition(condition: () => Promise<boolean | void>, opts: { interval?: number; description?: string } = {}): PollingCondition {
    const pc: PollingCondition = {
      description: opts.description ?? condition.toString().slice(0, 80),
      interval: opts.interval ?? 0,
      lastChecked: 0,
      condition,
      dispose: () => void this.conditions.delete(pc),
      [Symbol.dispose]: () => void this.conditions.delete(pc),
    };
    this.conditions.add(pc);
    return pc;
  }

  /** Runs the active polling conditions that are due (never from inside a condition's own commands). */
  private async checkConditions(command: string): Promise<void> {
    if (this.checking || !this.conditions.size) return;
    this.checking = true;
    try {
      for (const pc of this.conditions) {
        if (Date.now() - pc.lastChecked < pc.interval * 1000) continue;
        pc.lastChecked = Date.now();
        const ok = await pc.condition().then((r) => r !== false, (e: Error) => e);
        if (ok !== true) {
          const why = ok instanceof Error ? `: ${ok.message.split('\n')[0]}` : ' (returned false)';
          throw new CommandFailedError(`polling condition failed: ${pc.description}${why}`, 1, '', '', { machine: this.name, command, hint: 'the condition was checked before this command ran' });
        }
      }
    } finally {
      this.checking = false;
    }
  }
}
