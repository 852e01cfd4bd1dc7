/**
 * nixosTest's command framing, to time it over the n3x channel as a baseline. The nixpkgs test driver
 * (nixos/lib/test-driver, Machine.execute) sends `timeout T bash -c QUOTED | (base64 -w 0; echo)` where QUOTED is
 * Python's shlex.quote of `set -euo pipefail; COMMAND`, reads one base64 line, then sends `echo ${PIPESTATUS[0]}`
 * and reads the status line: two round trips, a fork + exec of timeout, bash and base64, and a subshell.
 */

/** Python's shlex.quote: safe words as they are, anything else in single quotes (' as '"'"'). */
export function pythonShlexQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** The first line the driver sends for execute(command, timeout) (its `out_command`, without the newline). */
export function nixosExecuteLine(command: string, timeout: number | null = 900): string {
  const prefix = timeout === null ? '' : `timeout ${timeout}`;
  return `${prefix} bash -c ${pythonShlexQuote(`set -euo pipefail; ${command}`)} | (base64 -w 0; echo)`;
}

/** The second line: the exit status of the first pipeline's first command. */
export const NIXOS_STATUS_LINE = 'echo ${PIPESTATUS[0]}';

/** Decodes the first reply (one base64 line) as the driver does. */
export function decodeNixosOutput(line: string): Buffer {
  return Buffer.from(line.trim(), 'base64');
}
