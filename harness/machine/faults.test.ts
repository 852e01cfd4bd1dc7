import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Faults } from './faults.js';
import type { MachineEvent } from './types.js';

/** Faults of a machine named m1 with two data NICs; QMP and guest commands are recorded, not sent anywhere. */
function recordingFaults(up = true) {
  const qmp: unknown[] = [];
  const commands: string[] = [];
  const events: MachineEvent[] = [];
  const faults = new Faults({
    name: 'm1',
    nicIds: ['nic1', 'nic2'],
    qmpCommand: async (c, a) => void qmp.push([c, a]),
    succeed: async (...c) => (commands.push(...c), ''),
    isUp: () => up,
    emit: (e) => events.push(e),
  });
  return { faults, qmp, commands, events };
}

describe('Faults (one machine, alone)', () => {
  it('cuts a link by guest name through QMP set_link, says so, emits it, and restores it on reset', async () => {
    const { faults, qmp, events } = recordingFaults();
    await faults.setLink('eth2', false);
    expect(qmp).toEqual([['set_link', { name: 'nic2', up: false }]]);
    expect(faults.describe()).toEqual(['m1: link eth2 cut']);
    expect(events).toEqual([{ kind: 'link', nic: 'nic2', up: false }]);
    await faults.reset();
    expect(qmp.at(-1)).toEqual(['set_link', { name: 'nic2', up: true }]);
    expect(faults.describe()).toEqual([]);
  });

  it('refuses a NIC the machine does not have, naming the ones it has', async () => {
    const { faults } = recordingFaults();
    await expect(faults.setLink('eth3', false)).rejects.toThrow(ConfigError);
    await expect(faults.setLink('eth3', false)).rejects.toThrow(/use one of eth1, eth2/);
  });

  it('applies and clears netem with guest commands; clear() forgets every fault (a new QEMU)', async () => {
    const { faults, commands, events } = recordingFaults();
    await faults.netem('eth1', { delayMs: 50 });
    expect(commands[0]).toMatch(/tc qdisc .* dev eth1 .*delay 50ms/);
    expect(events).toEqual([{ kind: 'netem', iface: 'eth1', spec: { delayMs: 50 } }]);
    expect(faults.describe()).toEqual(['m1: netem on eth1 {"delayMs":50}']);
    faults.clear();
    expect(faults.describe()).toEqual([]);
  });

  it('leaves a machine that is down alone on reset (its links come back on start)', async () => {
    const { faults, qmp } = recordingFaults(false);
    await faults.setAllLinks(false);
    const sent = qmp.length;
    await faults.reset();
    expect(qmp.length).toBe(sent);
  });
});
