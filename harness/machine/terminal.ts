/** Terminals of a machine: a root login shell on its second console (/dev/hvc1), characters typed into a console. */
import type { Socket } from 'node:net';
import type { CommandRunner } from './types.js';

/** The guest commands that start an interactive root login shell on the second console (/dev/hvc1). Pure. */
export function terminalCommands(size: { rows: number; cols: number }, term: string): string[] {
  return [
    'systemctl stop n3x-tty.service 2>/dev/null || true; systemctl reset-failed n3x-tty.service 2>/dev/null || true',
    `stty -F /dev/hvc1 sane rows ${size.rows} cols ${size.cols}`,
    `systemd-run --unit=n3x-tty -p TTYPath=/dev/hvc1 -p StandardInput=tty-force -p StandardOutput=tty -p StandardError=tty -p TTYReset=yes -E TERM=${term.replace(/[^A-Za-z0-9_.-]/g, '')} -E HOME=/root --working-directory=/root /bin/bash -l`,
  ];
}

/** Starts the login shell and returns the host side of the console (`socket`); closing it stops the shell. */
export async function openTerminal(socket: Promise<Socket>, m: CommandRunner, size: { rows: number; cols: number }, term: string): Promise<Socket> {
  const sock = await socket;
  await m.succeed(...terminalCommands(size, term));
  sock.once('close', () => void m.execute('systemctl stop n3x-tty.service', { timeout: 10 }).catch(() => undefined));
  return sock;
}

/** Writes characters into a console socket and closes it. */
export function typeInto(sock: Socket, chars: string): Promise<void> {
  return new Promise<void>((resolve, reject) => sock.end(chars, () => resolve()).once('error', reject));
}
