import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SwitchPort } from './fabric.js';
import { startVdeSwitch, stopVdeSwitch, vdeManage, type VdeSwitch } from './vde.js';

const port = (number: number, vlans: SwitchPort['vlans']): SwitchPort => ({ node: `n${number}`, nic: 'eth1', port: `p${number}`, number, vlans });

describe('vde_switch port VLANs (host: vde2)', () => {
  let dir = '';
  let sw: VdeSwitch | undefined;
  afterEach(() => {
    if (sw) stopVdeSwitch(sw);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a filtering switch comes up with each port on exactly its VLANs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'n3x-vde-'));
    sw = await startVdeSwitch(dir, [port(1, { tagged: [200, 100] }), port(2, { tagged: [200] }), port(3, { vlan: 100 })]);
    const [vlans, ports] = await vdeManage(join(dir, 'mgmt'), ['vlan/allprint', 'port/allprint']);
    const members = (v: number) => (new RegExp(`VLAN 0*${v}\\n((?: -- .*\\n)*)`).exec(vlans)?.[1] ?? '').trimEnd();
    expect(members(100)).toMatch(/^ -- Port 0001 tagged=1.*\n -- Port 0003 tagged=0/);
    expect(members(200)).toMatch(/^ -- Port 0001 tagged=1.*\n -- Port 0002 tagged=1[^\n]*$/);
    expect(ports).toMatch(/Port 0003 untagged_vlan=0100/);
    expect(ports).toMatch(/Port 0002 untagged_vlan=0000/);
  });

  it('a command the switch refuses throws with its answer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'n3x-vde-'));
    sw = await startVdeSwitch(dir, [port(1, { vlan: 7 })]);
    await expect(vdeManage(join(dir, 'mgmt'), ['port/setvlan 1 99'])).rejects.toThrow(/answered 1\d{3}/);
  });
});
