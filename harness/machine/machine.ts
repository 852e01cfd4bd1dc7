/**
 * The Machine API (camelCase of nixosTest's `machine`), over a QEMU process, its QMP socket, the root
 * backdoor on a virtio console and the captured serial log. Every wait has a host-side deadline and fails
 * fast, with the last serial lines, when the machine dies. Split by concern: process.ts (QEMU lifecycle),
 * commands.ts (commands, waits, units), this file (files, terminals, port forwards, link faults).
 */
import type { Socket } from 'node:net';
import { ConfigError, InfraError } from '../errors.js';
import { clearNetemCommand, netemCommand, type NetemSpec } from '../network/netem.js';
import { freePort } from '../util/ports.js';
import { connectUnix } from '../console/shell.js';
import { MachineCommands } from './commands.js';
import { copyIn, copyOut, type TransferOpts } from './transfer.js';

export type { ExecResult, MachineOptions, TimeoutOpt } from './process.js';
export { GUEST_SHARED_DIR, type TransferOpts } from './transfer.js';
export { systemctlCommand, type PollingCondition } from './commands.js';

export class Machine extends MachineCommands {
  /**
   * Copies a host file or directory into the guest at `dst` (full target path): through the shared directory
   * (9p, mounted at /run/n3x/shared for the transfer) when the guest has it, else through the console.
   */
  async copyFromHost(src: string, dst: string, opts: TransferOpts = {}): Promise<void> {
    await copyIn(this, this.path('shared'), src, dst, opts);
  }

  /** Copies a guest file or directory into host dir `dstDir` (created); returns the host path. Same paths as copyFromHost. */
  async copyFromMachine(src: string, dstDir: string, opts: TransferOpts = {}): Promise<string> {
    return copyOut(this, this.path('shared'), src, dstDir, opts);
  }

  /**
   * Starts an interactive root login shell on the guest's second console (/dev/hvc1) and returns the
   * host-side socket of that terminal (for the REPL's `.shell`). Closing it stops the shell.
   */
  async openTerminal(size: { rows: number; cols: number } = { rows: 40, cols: 120 }, term = 'xterm-256color'): Promise<Socket> {
    const sock = await connectUnix(this.path('tty.sock'), 5000, this.dead.signal);
    await this.succeed(
      'systemctl stop n3x-tty.service 2>/dev/null || true; systemctl reset-failed n3x-tty.service 2>/dev/null || true',
      `stty -F /dev/hvc1 sane rows ${size.rows} cols ${size.cols}`,
      `systemd-run --unit=n3x-tty -p TTYPath=/dev/hvc1 -p StandardInput=tty-force -p StandardOutput=tty -p StandardError=tty -p TTYReset=yes -E TERM=${term.replace(/[^A-Za-z0-9_.-]/g, '')} -E HOME=/root --working-directory=/root /bin/bash -l`,
    );
    sock.once('close', () => void this.execute('systemctl stop n3x-tty.service', { timeout: 10 }).catch(() => undefined));
    return sock;
  }

  /** Types characters into the serial console (ttyS0), as nixosTest's send_console. */
  async sendConsole(chars: string): Promise<void> {
    const sock = await this.openSerial();
    await new Promise<void>((resolve, reject) => sock.end(chars, () => resolve()).once('error', reject));
  }

  /** Forwards 127.0.0.1:<hostPort> to a guest TCP port while the machine runs (hostPort picked free when omitted). */
  async forwardPort(guestPort: number, hostPort?: number): Promise<number> {
    const port = hostPort ?? (await freePort());
    for (const p of [port, guestPort]) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new ConfigError('forwardPort', `${p} is not a TCP port`, 'use 1-65535');
    const out = await this.sendMonitorCommand(`hostfwd_add nd-mgmt tcp:127.0.0.1:${port}-:${guestPort}`);
    if (out.trim()) throw new InfraError(`hostfwd_add failed: ${out.trim()}`, this.context({ hint: 'the host port may be taken; omit it to pick a free one' }));
    if (!this.ports.has(guestPort)) await this.succeed('ip addr replace 10.0.2.15/24 dev eth0 && ip link set eth0 up');
    this.ports.set(guestPort, port);
    return port;
  }

  /** Data NIC device ids in guest order (eth1, eth2, …). */
  get dataNics(): string[] {
    return (this.opts.nics ?? []).map((n) => n.id);
  }

  /** Sets the link state of a data NIC by guest name (eth1) or device id. */
  async setLink(nic: string, up: boolean): Promise<void> {
    const id = /^eth\d+$/.test(nic) ? this.dataNics[Number(nic.slice(3)) - 1] : nic;
    if (!id || !this.dataNics.includes(id)) throw new ConfigError('nic', `${this.name} has no data NIC ${nic}`, `use one of ${this.dataNics.map((_, i) => `eth${i + 1}`).join(', ') || '(none)'}`);
    await this.qmpCommand('set_link', { name: id, up });
    if (up) this.cutLinks.delete(id);
    else this.cutLinks.add(id);
    this.emit({ kind: 'link', nic: id, up });
  }

  /** Cuts every data NIC (the machine keeps running; the backdoor is unaffected). */
  async block(): Promise<void> {
    for (const id of this.dataNics) await this.setLink(id, false);
  }

  /** Restores every data NIC. */
  async unblock(): Promise<void> {
    for (const id of this.dataNics) await this.setLink(id, true);
  }

  /** Applies netem (delay, jitter, loss, rate) to a guest interface. */
  async netem(iface: string, spec: NetemSpec): Promise<void> {
    await this.succeed(netemCommand(iface, spec));
    this.netems.set(iface, spec);
    this.emit({ kind: 'netem', iface, spec });
  }

  /** Removes any netem qdisc from a guest interface. */
  async clearNetem(iface: string): Promise<void> {
    await this.succeed(clearNetemCommand(iface));
    this.netems.delete(iface);
    this.emit({ kind: 'netem', iface, spec: null });
  }

  /** Faults set through this API and still in effect, in words (cut links, netem). */
  faults(): string[] {
    const nicName = (id: string) => `eth${this.dataNics.indexOf(id) + 1}`;
    return [
      ...[...this.cutLinks].map((id) => `${this.name}: link ${nicName(id)} cut`),
      ...[...this.netems].map(([iface, spec]) => `${this.name}: netem on ${iface} ${JSON.stringify(spec)}`),
    ];
  }

  /** Restores cut links and removes netem set through this API (a crashed machine's links come back on start). */
  async resetFaults(): Promise<void> {
    if (!this.isUp()) return;
    for (const id of [...this.cutLinks]) await this.setLink(id, true);
    for (const iface of [...this.netems.keys()]) await this.clearNetem(iface);
  }
}
