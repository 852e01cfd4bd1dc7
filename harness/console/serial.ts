/** The machine's captured serial log (QEMU writes it via the chardev's logfile=; it survives the process). */
import { openSync, readSync, closeSync, fstatSync, existsSync, readFileSync, statSync } from 'node:fs';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

/** Strips terminal colour codes and carriage returns. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Last n non-empty lines of a text, ANSI stripped. */
export function lastLines(text: string, n: number): string[] {
  const lines = stripAnsi(text).split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n);
}

export class SerialLog {
  constructor(readonly path: string) {}

  /** The whole log as text (ANSI stripped). */
  read(): string {
    return existsSync(this.path) ? stripAnsi(readFileSync(this.path, 'latin1')) : '';
  }

  /** Last n lines, reading only the file's tail. */
  tail(n = 20): string[] {
    if (!existsSync(this.path)) return [];
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return lastLines(buf.toString('latin1'), n);
    } finally {
      closeSync(fd);
    }
  }

  /** Current size in bytes (an offset to search from). */
  size(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }
}
