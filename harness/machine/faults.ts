/**
 * A machine's network faults: its data NICs' link state (cut through QMP) and netem qdiscs on guest
 * interfaces, remembered while in effect so that a test can be reset to a clean network.
 */
import { ConfigError } from '../errors.js';
import { clearNetemCommand, netemCommand, type NetemSpec } from '../network/netem.js';
import { withinAction } from '../events.js';
import type { MachineEvent } from './types.js';

/** What the faults need of the machine they belong to. */
export interface FaultsDeps {
  name: string;
  /** Data NIC device ids in guest order (nic1 is eth1, …). */
  nicIds: string[];
  qmpCommand: (command: string, args?: Record<string, unknown>) => Promise<unknown>;
  succeed: (...commands: string[]) => Promise<string>;
  isUp: () => boolean;
  emit: (e: MachineEvent) => void;
}

export class Faults {
  private readonly cutLinks = new Set<string>();
  private readonly netems = new Map<string, NetemSpec>();

  constructor(private readonly m: FaultsDeps) {}

  /** Forgets every fault: a new QEMU starts with every link up and a guest without netem. */
  clear(): void {
    this.cutLinks.clear();
    this.netems.clear();
  }

  /** The device id of a data NIC given by guest name (eth1) or device id (nic1). */
  private nicId(nic: string): string {
    const ids = this.m.nicIds;
    const id = /^eth\d+$/.test(nic) ? ids[Number(nic.slice(3)) - 1] : nic;
    if (!id || !ids.includes(id)) throw new ConfigError('nic', `${this.m.name} has no data NIC ${nic}`, `use one of ${ids.map((_, i) => `eth${i + 1}`).join(', ') || '(none)'}`);
    return id;
  }

  /** Sets the link state of a data NIC by guest name (eth1) or device id. */
  async setLink(nic: string, up: boolean): Promise<void> {
    const id = this.nicId(nic);
    await this.m.qmpCommand('set_link', { name: id, up });
    if (up) this.cutLinks.delete(id);
    else this.cutLinks.add(id);
    this.m.emit({ kind: 'link', nic: id, up });
  }

  /** Sets every data NIC's link state. */
  async setAllLinks(up: boolean): Promise<void> {
    for (const id of this.m.nicIds) await this.setLink(id, up);
  }

  /** Applies netem (delay, jitter, loss, rate) to a guest interface. */
  async netem(iface: string, spec: NetemSpec): Promise<void> {
    await withinAction('netem', () => this.m.succeed(netemCommand(iface, spec)));
    this.netems.set(iface, spec);
    this.m.emit({ kind: 'netem', iface, spec });
  }

  /** Removes any netem qdisc from a guest interface. */
  async clearNetem(iface: string): Promise<void> {
    await withinAction('netem', () => this.m.succeed(clearNetemCommand(iface)));
    this.netems.delete(iface);
    this.m.emit({ kind: 'netem', iface, spec: null });
  }

  /** Faults in effect, in words (cut links, netem). */
  describe(): string[] {
    const nicName = (id: string) => `eth${this.m.nicIds.indexOf(id) + 1}`;
    return [
      ...[...this.cutLinks].map((id) => `${this.m.name}: link ${nicName(id)} cut`),
      ...[...this.netems].map(([iface, spec]) => `${this.m.name}: netem on ${iface} ${JSON.stringify(spec)}`),
    ];
  }

  /** Restores cut links and removes netem (nothing to do on a machine that is down: its links come back on start). */
  async reset(): Promise<void> {
    if (!this.m.isUp()) return;
    for (const id of [...this.cutLinks]) await this.setLink(id, true);
    for (const iface of [...this.netems.keys()]) await this.clearNetem(iface);
  }
}
