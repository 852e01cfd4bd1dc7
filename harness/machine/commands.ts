/** The arguments of succeed/fail, as nixosTest's `succeed(*commands, timeout=None)`: commands, then options. */
import { ConfigError } from '../errors.js';
import type { CommandsArgs, TimeoutOpt } from './types.js';

/** Splits succeed/fail arguments into the commands and the options; refuses anything else. */
export function splitCommands(args: CommandsArgs): { commands: string[]; opts: TimeoutOpt } {
  const last = args.at(-1);
  const opts = typeof last === 'object' && last !== null ? last : {};
  const commands = last === opts ? args.slice(0, -1) : args;
  for (const c of commands) {
    if (typeof c !== 'string') throw new ConfigError('command', `${typeof c} where a command string belongs`, 'pass commands as strings, then at most one options object { timeout } last');
  }
  if (opts.timeout !== undefined && !(typeof opts.timeout === 'number' && opts.timeout > 0)) throw new ConfigError('timeout', `${String(opts.timeout)} is not a number of seconds`, 'use a positive number of seconds, e.g. { timeout: 30 }');
  return { commands: commands as string[], opts };
}
