/** The machine's captured serial log (QEMU writes it via the chardev's logfile=; it survives the process). */
import { openSync, readSync, closeSync, fstatSync, existsSync, readFileSync, statSync } from 'node:fs';
import type { ErrorContext } from '../errors.js';
import { NotYet, retryUntil } from '../retry.js';

// Terminal escapes a guest console prints: CSI (colours, cursor), OSC (titles), charset and keypad modes, CR.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78cDEHM]|\r/g;

/** Strips terminal escape sequences and carriage returns. */
export function stripAnsi(s: string): string {
  return s.replace(ESCAPES, '');
}

/** Last n non-empty lines of a text, escapes stripped. */
export function lastLines(text: string, n: number): string[] {
  const lines = stripAnsi(text).split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n);
}

export class SerialLog {
  constructor(readonly path: string) {}

  /** The whole log as text (UTF-8, escapes stripped). */
  read(): string {
    return existsSync(this.path) ? stripAnsi(readFileSync(this.path, 'utf8')) : '';
  }

  /** The log from byte `offset` on (e.g. since the last boot), as text. */
  readSince(offset: number): string {
    if (!existsSync(this.path)) return '';
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return '';
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      return stripAnsi(buf.toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }

  /** Last n lines, reading only the file's tail. */
  tail(n = 20): string[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    // A cut inside a multi-byte character only garbles the first line, which is dropped when cut.
    const from = Math.max(0, size - 64 * 1024);
    const lines = lastLines(this.readSince(from), n + 1);
    return (from > 0 || lines.length > n ? lines.slice(1) : lines).slice(-n);
  }

  /** Current size in bytes (an offset to search from). */
  size(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }
}

/** Waits until the log from byte `since` on matches a regex (deadline `timeout` seconds); returns the match. */
export function waitForText(log: SerialLog, since: number, re: RegExp | string, timeout: number, context?: () => ErrorContext): Promise<RegExpMatchArray> {
  const rx = typeof re === 'string' ? new RegExp(re) : re;
  return retryUntil(
    async () => {
      const m = log.readSince(since).match(rx);
      if (!m) throw new NotYet('no match yet');
      return m;
    },
    { timeout: timeout, what: `console text ${rx}`, interval: 0.1, maxInterval: 0.25, context },
  );
}
