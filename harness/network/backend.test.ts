import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { createPlannedSegment } from './backend.js';
import { fabricPlan } from './fabric.js';
import { nodeNetwork } from './nodenet.js';

const vlans = getProfile('vlans');
const [trunk] = fabricPlan(vlans.segments, [{ name: 'a' }, { name: 'b', vlans: [100] }].map((n, i) => nodeNetwork(vlans, n, i + 1)), (i, j) => `tap${i}${j}`);

/** Puts stand-ins for ip, bridge and vde_switch first on PATH that log their arguments (and fail as `fail` says). */
describe('a filtering segment: the commands it issues', () => {
  let dir = '';
  let path = '';
  const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  const tool = (name: string, failOn?: string) =>
    writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> ${dir}/calls\n${failOn ? `case "$*" in *${failOn}*) echo "Error: Operation not supported." >&2; exit 2;; esac\n` : ''}exit 0\n`, { mode: 0o755 });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'n3x-fabric-'));
    path = process.env.PATH ?? '';
    process.env.PATH = `${dir}${delimiter}${path}`;
    writeFileSync(join(dir, 'calls'), '');
    tool('bridge');
    writeFileSync(join(dir, 'vde_switch'), `#!/bin/sh\necho "vde_switch $*" >> ${dir}/calls\necho 'stand-in: no switch' >&2\nexit 1\n`, { mode: 0o755 });
  });
  afterEach(() => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  });

  it('bridge backend with vlan_filtering: the bridge made VLAN-aware, each TAP kept to its port\'s VLANs', async () => {
    tool('ip');
    const s = await createPlannedSegment('bridge', 'n3xtests0', dir, trunk);
    expect(s.describe()).toEqual({ hostName: 'n3xtests0', kind: 'bridge', filter: 'bridge vlan_filtering' });
    await s.attach('tap11');
    await s.attach('tap21');
    await s.destroy();
    expect(calls()).toEqual([
      'ip link add n3xtests0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 vlan_filtering 1',
      `ip link set n3xtests0 alias n3x:${dir}`,
      'ip link set n3xtests0 type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0',
      'ip link set n3xtests0 up',
      `ip link set tap11 alias n3x:${dir} master n3xtests0 up`,
      'bridge vlan del dev tap11 vid 1', 'bridge vlan add dev tap11 vid 200', 'bridge vlan add dev tap11 vid 100',
      `ip link set tap21 alias n3x:${dir} master n3xtests0 up`,
      'bridge vlan del dev tap21 vid 1', 'bridge vlan add dev tap21 vid 100 pvid untagged',
      'ip link del n3xtests0',
    ]);
  });

  it('a kernel without bridge VLAN filtering: the bridge is not made and a VDE switch (switch mode, not hub) is started instead', async () => {
    tool('ip', 'vlan_filtering');
    await expect(createPlannedSegment('bridge', 'n3xtests0', dir, trunk)).rejects.toThrow(/vde_switch failed: stand-in/);
    const c = calls();
    expect(c[0]).toMatch(/^ip link add n3xtests0 type bridge .* vlan_filtering 1$/);
    expect(c[1]).toBe('ip link del n3xtests0');
    expect(c[2]).toMatch(/^vde_switch --sock \S+ --mgmt \S+ --mgmtmode 0600 --numports 32 --daemon/);
    expect(c[2]).not.toContain('--hub');
  });

  it('a segment whose ports agree is a hub (no vlan_filtering, no bridge vlan commands)', async () => {
    tool('ip');
    const hub = { ...trunk, filtered: false };
    const s = await createPlannedSegment('bridge', 'n3xtests0', dir, hub);
    await s.attach('tap11');
    await s.destroy();
    expect(calls().join('\n')).not.toMatch(/vlan_filtering|^bridge/m);
  });
});
