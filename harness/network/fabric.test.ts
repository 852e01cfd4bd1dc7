import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { bridgePortCommands, fabricPlan, portLabel, vdePortCommands } from './fabric.js';
import { nodeNetwork, type NodeNetworkOptions } from './nodenet.js';

const vlans = getProfile('vlans');
const plan = (nodes: ({ name: string } & NodeNetworkOptions)[], enforce = true) =>
  fabricPlan(vlans.segments, nodes.map((n, i) => nodeNetwork(vlans, n, i + 1)), (i, j) => `p${i}e${j}`, enforce);

describe('fabric plan', () => {
  it('a segment whose ports all carry the same VLANs is a hub', () => {
    expect(plan([{ name: 'a' }, { name: 'b' }])).toEqual([{
      name: 'trunk', filtered: false, ports: [
        { node: 'a', nic: 'eth1', port: 'p1e1', number: 1, vlans: { tagged: [200, 100] } },
        { node: 'b', nic: 'eth1', port: 'p2e1', number: 2, vlans: { tagged: [200, 100] } },
      ],
    }]);
  });

  it('ports that differ make the segment filter, unless enforcement is off; new segments follow the profile\'s', () => {
    const nodes = [{ name: 'a' }, { name: 'b', nics: [{ segment: 'trunk', tagged: [200] }] }, { name: 'c', vlans: [100, 7] }];
    const p = plan(nodes);
    expect(p.map((s) => [s.name, s.filtered, s.ports.map((x) => `${x.node}:${x.nic}#${x.number} ${portLabel(x.vlans)}`)])).toEqual([
      ['trunk', true, ['a:eth1#1 trunk 100,200', 'b:eth1#2 trunk 200', 'c:eth1#3 access 100']],
      ['vlan7', false, ['c:eth2#1 access 7']],
    ]);
    expect(plan(nodes, false).map((s) => s.filtered)).toEqual([false, false]);
  });

  it('bridge vlan_filtering: a trunk port leaves VLAN 1 and carries its VLANs tagged; an access port its VLAN as PVID untagged', () => {
    expect(bridgePortCommands('tap1', { tagged: [200, 100] }).map((c) => c.join(' '))).toEqual([
      'bridge vlan del dev tap1 vid 1', 'bridge vlan add dev tap1 vid 200', 'bridge vlan add dev tap1 vid 100',
    ]);
    expect(bridgePortCommands('tap2', { vlan: 100 }).map((c) => c.join(' '))).toEqual(['bridge vlan del dev tap2 vid 1', 'bridge vlan add dev tap2 vid 100 pvid untagged']);
  });

  it('VDE: every VLAN created, every port created before QEMU plugs in, access ports set untagged, trunks added tagged', () => {
    const p = plan([{ name: 'a' }, { name: 'c', nics: [{ segment: 'trunk', vlan: 100 }] }]);
    expect(vdePortCommands(p[0].ports)).toEqual(['vlan/create 100', 'vlan/create 200', 'port/create 1', 'vlan/addport 200 1', 'vlan/addport 100 1', 'port/create 2', 'port/setvlan 2 100']);
  });

  it('VDE: a VLAN above 4093 (which vde_switch refuses) is a ConfigError naming the way out', () => {
    const p = plan([{ name: 'a' }, { name: 'c', nics: [{ segment: 'trunk', tagged: [4094] }], addresses: false }]);
    expect(() => vdePortCommands(p[0].ports)).toThrow(/VLAN 4094 .* up to 4093.*bridge vlan_filtering/);
  });
});
