/**
 * Client for the guest's root backdoor: commands go to a virtconsole (a tty in the guest, so ^C interrupts),
 * output comes back on a virtserialport (lossless). Both are host-side unix sockets.
 */
import net from 'node:net';
import { InfraError, WaitTimeoutError } from '../errors.js';
import { NotYet, retryUntil } from '../retry.js';
import { encodeRequest, findReady, newMarker, ResponseParser, type Response } from './protocol.js';

export interface RunResult extends Response {
  /** True when the host-side deadline fired and the command was interrupted with ^C. */
  timedOut: boolean;
  elapsedMs: number;
}

interface Pending {
  parser: ResponseParser;
  done: (r: Response) => void;
  fail: (e: Error) => void;
}

/** Connects to a unix socket, retrying while QEMU has not created it yet (host-side deadline). */
export function connectUnix(path: string, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return retryUntil(
    () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(path);
        s.once('connect', () => resolve(s));
        s.once('error', (e) => reject(new NotYet(e.message)));
      }),
    { timeout: timeoutMs / 1000, what: `a connection to ${path}`, interval: 0.02, maxInterval: 0.1, signal },
  ).catch((e: Error) => {
    throw e instanceof WaitTimeoutError ? new InfraError(`cannot connect to ${path}: ${e.message}`, {}, { cause: e }) : e;
  });
}

export class BackdoorShell {
  private sock?: net.Socket;
  private outSock?: net.Socket;
  private pending?: Pending;
  private idle: Buffer = Buffer.alloc(0);
  private chain: Promise<unknown> = Promise.resolve();
  private readyWaiter?: (bootId: string) => void;
  private broken?: string;
  /** Boot id reported by the last ready line; changes on every guest boot. */
  bootId?: string;

  constructor(
    private readonly inPath: string,
    private readonly outPath: string,
    private readonly signal: AbortSignal,
  ) {}

  /** Connects both sockets (QEMU may still be creating them) and starts reading. */
  async connect(timeoutMs = 10_000): Promise<void> {
    const [s, o] = await Promise.all([connectUnix(this.inPath, timeoutMs, this.signal), connectUnix(this.outPath, timeoutMs, this.signal)]);
    this.sock = s;
    this.outSock = o;
    o.on('data', (d: Buffer) => this.onData(d));
    o.on('error', () => undefined);
    s.on('data', () => undefined); // the console direction carries nothing we need
    s.on('error', () => undefined);
    // QEMU exiting closes this socket first; give the machine a moment to report why (MachineDiedError
    // through the abort signal) before failing the pending command with the generic reason.
    s.on('close', () => {
      this.sock = undefined;
      setTimeout(() => this.fail(new InfraError('backdoor socket closed (QEMU exited?)')), 2000).unref();
    });
  }

  /** Records the boot id when attaching to a backdoor that printed its ready line to someone else. */
  markReady(bootId: string): void {
    this.bootId = bootId;
  }

  /** Resolves with the boot id once the backdoor prints its ready line. */
  waitReady(): Promise<string> {
    const id = findReady(this.idle);
    if (id) {
      this.idle = Buffer.alloc(0);
      this.bootId = id;
      return Promise.resolve(id);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.readyWaiter = (bootId) => {
        this.signal.removeEventListener('abort', onAbort);
        resolve(bootId);
      };
    });
  }

  /** Runs one command; at timeoutMs it sends ^C and resolves with timedOut=true (the shell stays usable). */
  run(command: string, timeoutMs: number): Promise<RunResult> {
    const next = this.chain.then(() => this.runNow(command, timeoutMs));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Sends ^C to the command running now, if any (it then ends with the interrupt's status). */
  interrupt(): boolean {
    if (!this.pending || !this.sock) return false;
    this.sock.write('\x03');
    return true;
  }

  close(): void {
    this.sock?.destroy();
    this.outSock?.destroy();
    this.sock = undefined;
    this.outSock = undefined;
  }

  private async runNow(command: string, timeoutMs: number): Promise<RunResult> {
    if (this.broken) throw new InfraError(this.broken);
    this.signal.throwIfAborted();
    if (!this.sock) throw new InfraError('backdoor not connected: start() the machine first');
    const start = Date.now();
    const parser = new ResponseParser(newMarker());
    const response = new Promise<Response>((done, fail) => {
      this.pending = { parser, done, fail };
    });
    response.catch(() => undefined); // a late failure after the deadline is reported by the deadline path

    const onAbort = () => this.pending?.fail(this.signal.reason as Error);
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const leftover = this.idle;
      this.idle = Buffer.alloc(0);
      this.sock.write(encodeRequest(parser.marker, command));
      if (leftover.length) this.onData(leftover);
      const first = await withTimer(response, timeoutMs);
      if (first) return { ...first, timedOut: false, elapsedMs: Date.now() - start };
      // Deadline: interrupt, then insist, then give up on this shell.
      for (const [key, waitMs] of [['\x03', 5000], ['\x1c', 3000]] as const) {
        this.sock?.write(key);
        const r = await withTimer(response, waitMs);
        if (r) return { ...r, timedOut: true, elapsedMs: Date.now() - start };
      }
      this.broken = `backdoor shell did not return after ^C and ^\\ (command ignored the interrupt): ${command}`;
      throw new InfraError(this.broken);
    } finally {
      this.pending = undefined;
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private onData(d: Buffer): void {
    const p = this.pending;
    if (!p) {
      this.idle = Buffer.concat([this.idle, d]);
      if (this.idle.length > 1 << 20) this.idle = this.idle.subarray(this.idle.length - 65536);
      const id = this.readyWaiter && findReady(this.idle);
      if (id) {
        this.idle = Buffer.alloc(0);
        this.bootId = id;
        const w = this.readyWaiter;
        this.readyWaiter = undefined;
        w?.(id);
      }
      return;
    }
    try {
      const r = p.parser.feed(d);
      if (r) p.done(r);
      else if (p.parser.restarted) p.fail(new InfraError('the backdoor shell restarted during the command (did it kill its own shell or reboot?)'));
    } catch (e) {
      p.fail(e as Error);
    }
  }

  private fail(e: Error): void {
    this.pending?.fail(e);
    this.sock = undefined;
  }
}

/** Resolves with the promise's value, or undefined after ms (the promise keeps running). */
async function withTimer<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<undefined>((r) => {
    t = setTimeout(() => r(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}
