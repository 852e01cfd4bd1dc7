/**
 * A machine's port forwards: guest TCP ports reachable from the host at 127.0.0.1:<hostPort> through the
 * management NIC (QEMU user networking). Declared ones get their host ports before the first start and
 * keep them across boots; forwardPort() adds one to a running machine.
 */
import { ConfigError, InfraError } from '../errors.js';
import { freePort } from '../util/ports.js';
import type { CommandRunner } from './types.js';

/** What the forwards need of the machine they belong to. */
export interface ForwardsDeps {
  name: string;
  declared: { guestPort: number; hostPort?: number }[];
  sendMonitorCommand: (command: string) => Promise<string>;
  runner: CommandRunner;
}

export class Forwards {
  /** Host ports of the forwards, by guest port. */
  readonly ports = new Map<number, number>();

  constructor(private readonly m: ForwardsDeps) {}

  /** Picks host ports for declared forwards that have none yet; returns every forward for QEMU's argv. */
  async forSpawn(): Promise<{ guestPort: number; hostPort: number }[]> {
    for (const fw of this.m.declared) if (!this.ports.has(fw.guestPort)) this.ports.set(fw.guestPort, fw.hostPort ?? (await freePort()));
    return [...this.ports].map(([guestPort, hostPort]) => ({ guestPort, hostPort }));
  }

  /** Takes the forwards of a QEMU found running (attach). */
  adopt(ports: Map<number, number>): void {
    for (const [g, h] of ports) this.ports.set(g, h);
  }

  /** Gives the management NIC its address when something is forwarded (no gateway, no default route). */
  async afterBoot(): Promise<void> {
    if (this.ports.size) await this.m.runner.succeed('ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up');
  }

  /** Forwards 127.0.0.1:<hostPort> to a guest TCP port while the machine runs (hostPort picked free when omitted). */
  async add(guestPort: number, hostPort?: number): Promise<number> {
    const port = hostPort ?? (await freePort());
    for (const p of [port, guestPort]) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new ConfigError('forwardPort', `${p} is not a TCP port`, 'use 1-65535');
    const out = await this.m.sendMonitorCommand(`hostfwd_add nd-mgmt tcp:127.0.0.1:${port}-:${guestPort}`);
    if (out.trim()) throw new InfraError(`hostfwd_add failed: ${out.trim()}`, this.m.runner.context({ hint: 'the host port may be taken; omit it to pick a free one' }));
    if (!this.ports.has(guestPort)) await this.m.runner.succeed('ip addr replace 10.0.2.15/24 dev eth0 && ip link set eth0 up');
    this.ports.set(guestPort, port);
    return port;
  }

  /** Host port forwarded (on 127.0.0.1) to a guest port. */
  hostPort(guestPort: number): number {
    const p = this.ports.get(guestPort);
    if (!p) throw new ConfigError('forwards', `${this.m.name} has no forward for guest port ${guestPort}`, `add { guestPort: ${guestPort} } to the machine's forwards`);
    return p;
  }
}
