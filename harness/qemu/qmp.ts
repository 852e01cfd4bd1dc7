/** A small QMP client: greeting, qmp_capabilities, commands (serialised, with ids), events. */
import type net from 'node:net';
import { EventEmitter } from 'node:events';
import { InfraError } from '../errors.js';
import { connectUnix } from '../console/shell.js';
import { withDeadline } from '../retry.js';

/** Default host-side deadline of one QMP command (a migration is polled, not awaited, so this stays short). */
export const QMP_TIMEOUT_MS = 30_000;

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** Splits a byte stream into JSON messages (QMP sends one per line). Pure; unit-tested. */
export class JsonLines {
  private rest = '';
  push(chunk: string): unknown[] {
    this.rest += chunk;
    const out: unknown[] = [];
    let i: number;
    while ((i = this.rest.indexOf('\n')) >= 0) {
      const line = this.rest.slice(0, i).trim();
      this.rest = this.rest.slice(i + 1);
      if (line) out.push(JSON.parse(line));
    }
    return out;
  }
}

export class QmpClient extends EventEmitter {
  private sock?: net.Socket;
  private nextId = 1;
  private readonly waiting = new Map<string, Waiting>();
  private closed = false;

  /** Connects, reads the greeting and negotiates capabilities. */
  async connect(path: string, timeoutMs = 10_000, signal?: AbortSignal): Promise<void> {
    const sock = await connectUnix(path, timeoutMs, signal);
    this.sock = sock;
    const lines = new JsonLines();
    let greeted: (() => void) | undefined;
    const greeting = new Promise<void>((r) => (greeted = r));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      for (const msg of lines.push(d) as Record<string, unknown>[]) {
        if ('QMP' in msg) greeted?.();
        else if ('event' in msg) this.emit('event', msg as unknown as QmpEvent);
        else if ('id' in msg) {
          const w = this.waiting.get(String(msg.id));
          this.waiting.delete(String(msg.id));
          if (!w) continue;
          if ('error' in msg) {
            const err = msg.error as { class: string; desc: string };
            w.reject(new InfraError(`QMP error ${err.class}: ${err.desc}`));
          } else w.resolve(msg.return);
        }
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w.reject(new InfraError('QMP connection closed (QEMU exited)'));
      this.waiting.clear();
      this.emit('close');
    });
    await withDeadline(() => greeting, { timeout: timeoutMs / 1000, what: `the QMP greeting on ${path}`, signal });
    await this.execute('qmp_capabilities');
  }

  /** Sends one command and resolves with its `return` value; fails at the host-side deadline. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    if (!this.sock || this.closed) return Promise.reject(new InfraError(`QMP not connected (command ${command})`));
    const id = String(this.nextId++);
    const msg = JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id });
    const reply = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sock!.write(`${msg}\n`);
    });
    reply.catch(() => undefined);
    return withDeadline(() => reply, { timeout: (opts.timeoutMs ?? QMP_TIMEOUT_MS) / 1000, what: `QMP ${command}`, signal: opts.signal }).finally(() => this.waiting.delete(id));
  }

  /** Runs a human monitor command through QMP and returns its text output. */
  hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine });
  }

  /** Resolves with the next event that matches (by name or predicate); rejects on close or at the deadline. */
  waitEvent(match: string | ((e: QmpEvent) => boolean), timeoutMs: number, signal?: AbortSignal): Promise<QmpEvent> {
    const name = typeof match === 'string' ? match : 'matching';
    const ok = typeof match === 'string' ? (e: QmpEvent) => e.event === match : match;
    return withDeadline((deadline) => this.nextEvent(ok, name, deadline), { timeout: timeoutMs / 1000, what: `a QMP ${name} event`, signal });
  }

  private nextEvent(ok: (e: QmpEvent) => boolean, name: string, deadline: AbortSignal): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: QmpEvent) => {
        if (!ok(e)) return;
        cleanup();
        resolve(e);
      };
      const onClose = () => {
        cleanup();
        reject(new InfraError(`QMP closed while waiting for ${name}`));
      };
      const cleanup = () => {
        this.off('event', onEvent);
        this.off('close', onClose);
        deadline.removeEventListener('abort', cleanup);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
      deadline.addEventListener('abort', cleanup, { once: true });
    });
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }
}
