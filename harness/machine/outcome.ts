/** How a finished command is described in errors: decoded exit status and output tails (pure; unit-tested). */
import { constants } from 'node:os';

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));
const SIGNAL_MEANING: Record<string, string> = {
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic error',
  SIGKILL: 'killed (by SIGKILL, e.g. the OOM killer)',
  SIGTERM: 'terminated',
  SIGINT: 'interrupted (^C)',
  SIGQUIT: 'quit (^\\)',
  SIGPIPE: 'broken pipe',
  SIGHUP: 'hangup',
};

/** "status 139 (SIGSEGV: segmentation fault)", "status 127 (command not found)", "status 1". */
export function describeStatus(status: number): string {
  if (status === 127) return 'status 127 (command not found)';
  if (status === 126) return 'status 126 (found but not executable)';
  if (status > 128 && status < 128 + 65) {
    const name = SIGNAL_NAMES.get(status - 128);
    if (name) return `status ${status} (${name}${SIGNAL_MEANING[name] ? `: ${SIGNAL_MEANING[name]}` : `: killed by signal ${status - 128}`})`;
  }
  return `status ${status}`;
}

/** The last `maxLines` lines (at most `maxChars` characters) of a command's output, for an error message. */
export function tailOf(text: string, maxLines = 12, maxChars = 1500): string {
  let t = text.replace(/\s+$/, '');
  const lines = t.split('\n');
  const cut = lines.length > maxLines;
  t = lines.slice(-maxLines).join('\n');
  const chopped = t.length > maxChars;
  if (chopped) t = t.slice(-maxChars);
  return `${cut || chopped ? '…\n' : ''}${t}`;
}

/** Indented stdout and stderr tails ("(empty)" when a stream said nothing). */
export function outputTails(stdout: string, stderr: string): string {
  const block = (name: string, text: string) => {
    if (!text.trim()) return `  ${name}: (empty)`;
    return `  ${name}:\n${tailOf(text).split('\n').map((l) => `    | ${l}`).join('\n')}`;
  };
  return `${block('stdout', stdout)}\n${block('stderr', stderr)}`;
}

/** The one-line reason plus output tails of a command that exited with the wrong status. */
export function commandFailure(expected: 'zero' | 'non-zero', status: number, stdout: string, stderr: string): string {
  const head = expected === 'zero' ? `command failed with ${describeStatus(status)}` : 'command succeeded unexpectedly (status 0; a non-zero status was expected)';
  return `${head}\n${outputTails(stdout, stderr)}`;
}
