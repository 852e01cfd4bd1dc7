/**
 * Host-side timestamps for serial lines: while a machine boots, follows its serial log file (QEMU appends to
 * it through the chardev's logfile=) and stamps each complete line with the host time it was read. inotify
 * (fs.watch) wakes it on every write; a slow poll covers file systems without it. Nothing holds the serial
 * socket, so `.console` and sendConsole keep working.
 */
import { closeSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { stripAnsi } from './serial.js';

/** One serial line and the host time (epoch ms) it was read. */
export interface StampedLine {
  t: number;
  line: string;
}

export class SerialStamper {
  readonly lines: StampedLine[] = [];
  private fd?: number;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private partial = '';
  private stopped = false;

  /** Starts following `path` from byte `offset` (the start of this boot's output). */
  constructor(private readonly path: string, private offset: number, private readonly maxLines = 5000) {
    try {
      this.fd = openSync(path, 'r');
      this.watcher = watch(path, () => this.read());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      /* no log yet: the poll picks it up */
    }
    this.timer = setInterval(() => this.read(), 100);
    this.timer.unref();
  }

  /** Reads what was appended since the last read and stamps the complete lines with the host time. */
  read(): void {
    if (this.stopped) return;
    const t = Date.now();
    try {
      this.fd ??= openSync(this.path, 'r');
      const size = fstatSync(this.fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const parts = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const p of parts) if (this.lines.length < this.maxLines) this.lines.push({ t, line: stripAnsi(p) });
    } catch {
      /* the log is not there (yet): nothing to stamp */
    }
  }

  /** Reads the rest and stops following; returns the stamped lines. */
  stop(): StampedLine[] {
    this.read();
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return this.lines;
  }
}
