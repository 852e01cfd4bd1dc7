/** Typed errors: a test failure (the system under test misbehaved) vs an infrastructure fault vs bad input. */
import { inspect } from 'node:util';

export interface ErrorContext {
  machine?: string;
  command?: string;
  elapsedMs?: number;
  /** Last lines of the machine's serial log, newest last. */
  serialTail?: string[];
  /** What the user should do next. */
  hint?: string;
}

function render(message: string, ctx: ErrorContext): string {
  const parts = [ctx.machine ? `[${ctx.machine}] ${message}` : message];
  if (ctx.command !== undefined) parts.push(`  command: ${ctx.command}`);
  if (ctx.elapsedMs !== undefined) parts.push(`  after: ${(ctx.elapsedMs / 1000).toFixed(1)} s`);
  if (ctx.hint) parts.push(`  fix: ${ctx.hint}`);
  if (ctx.serialTail?.length) parts.push(`  last serial lines:\n${ctx.serialTail.map((l) => `    | ${l}`).join('\n')}`);
  return parts.join('\n');
}

export class N3xError extends Error {
  declare readonly ctx: ErrorContext;
  /** `options.cause`: the error this one rewraps (kept, as execa and Node do). */
  constructor(message: string, ctx: ErrorContext = {}, options?: ErrorOptions) {
    super(render(message, ctx), options);
    this.name = new.target.name;
    // Not enumerable: the message already says all of it, and inspect() (the REPL, console.log) would repeat it.
    Object.defineProperty(this, 'ctx', { value: ctx, enumerable: false });
  }

  /** Printed once, as name, message and stack (not the message again followed by every field). */
  [inspect.custom](): string {
    return this.stack ?? `${this.name}: ${this.message}`;
  }
}

/** The guest did something the test did not expect (command failed, wait ran out). */
export class TestFailure extends N3xError {}
/** A command returned an unexpected exit status; its status and whole output stay available as fields. */
export class CommandFailedError extends TestFailure {
  declare readonly status: number;
  declare readonly stdout: string;
  declare readonly stderr: string;
  constructor(message: string, status: number, stdout: string, stderr: string, ctx: ErrorContext) {
    super(message, ctx);
    for (const [k, v] of Object.entries({ status, stdout, stderr })) Object.defineProperty(this, k, { value: v, enumerable: false });
  }
}
/** A wait did not reach its condition before its host-side deadline. */
export class WaitTimeoutError extends TestFailure {}

/** The harness or its machines broke: QEMU exited, the backdoor died, a host resource failed. */
export class InfraError extends N3xError {}
/** The machine's QEMU process is gone (crashed, killed, kernel panic with -no-reboot). */
export class MachineDiedError extends InfraError {}

/** Invalid options, detected before any VM starts. One line naming the field and the fix. */
export class ConfigError extends N3xError {
  constructor(readonly field: string, problem: string, fix: string, options?: ErrorOptions) {
    super(`${field}: ${problem} (fix: ${fix})`, {}, options);
  }
}
