/** A small QMP client: greeting, qmp_capabilities, commands (serialised, with ids), events. */
import type net from 'node:net';
import { EventEmitter } from 'node:events';
import { InfraError } from '../errors.js';
import { connectUnix } from '../console/shell.js';

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
    await greeting;
    await this.execute('qmp_capabilities');
  }

  /** Sends one command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.sock || this.closed) return Promise.reject(new InfraError(`QMP not connected (command ${command})`));
    const id = String(this.nextId++);
    const msg = JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id });
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sock!.write(`${msg}\n`);
    });
  }

  /** Runs a human monitor command through QMP and returns its text output. */
  hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine });
  }

  /** Resolves with the next event of that name (or rejects on close). */
  waitEvent(name: string, timeoutMs: number): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        cleanup();
        reject(new InfraError(`no QMP ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (e: QmpEvent) => {
        if (e.event !== name) return;
        cleanup();
        resolve(e);
      };
      const onClose = () => {
        cleanup();
        reject(new InfraError(`QMP closed while waiting for ${name}`));
      };
      const cleanup = () => {
        clearTimeout(t);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }
}
