import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { applyChanges, topologyOf, topologyText } from './topology.js';
import { topologySvg } from './svg.js';

const nodes = [{ name: 'n100-1' }, { name: 'n100-2' }, { name: 'n100-3', role: 'agent' }];

describe('topology model', () => {
  it('bonding-vlans: two NICs on the trunk, bond0, VLAN interfaces with addresses', () => {
    const t = topologyOf({ id: 'ab12', profile: getProfile('bonding-vlans'), backend: 'vde', nodes, macs: { 'n100-1': ['52:54:ab:12:01:01', '52:54:ab:12:01:02'] } });
    expect(t.segments).toEqual([{ name: 'trunk', hostName: 'n3xab12s0', kind: 'vde' }]);
    const m = t.machines[0];
    expect(m.nics).toEqual([
      { name: 'eth1', mac: '52:54:ab:12:01:01', segment: 'trunk', port: 'trunk 100,200', up: true },
      { name: 'eth2', mac: '52:54:ab:12:01:02', segment: 'trunk', port: 'trunk 100,200', up: true },
    ]);
    expect(m.bond).toEqual({ name: 'bond0', mode: 'active-backup', slaves: ['eth1', 'eth2'] });
    expect(m.ifaces).toEqual([
      { name: 'bond0.200', parent: 'bond0', vlan: 200, nets: ['cluster'], address: '192.168.200.1/24' },
      { name: 'bond0.100', parent: 'bond0', vlan: 100, nets: ['storage'], address: '192.168.100.1/24' },
    ]);
    expect(t.machines[2].ifaces[0].address).toBe('192.168.200.3/24');
    expect(t.machines[2].role).toBe('agent');
  });

  it('simple: one untagged interface carries both networks', () => {
    const t = topologyOf({ id: 'ab12', profile: getProfile('simple'), backend: 'bridge', nodes: nodes.slice(0, 1), segments: [{ hostName: 'br-x', kind: 'bridge' }] });
    expect(t.segments[0].hostName).toBe('br-x');
    expect(t.machines[0].ifaces).toEqual([{ name: 'eth1', parent: 'eth1', nets: ['cluster', 'storage'], address: '192.168.1.1/24' }]);
  });

  it('per-node networks: each node its own NICs and ports, the filtering segment named with what enforces it', () => {
    const t = topologyOf({
      id: 'ab12', profile: getProfile('vlans'), backend: 'bridge',
      nodes: [{ name: 'a' }, { name: 'b', nics: [{ segment: 'trunk', tagged: [200] }] }, { name: 'c', vlans: [100, 7], addresses: false }],
      segments: [{ hostName: 'n3xab12s0', kind: 'vde', filter: 'vde port VLANs' }, { hostName: 'n3xab12s1', kind: 'bridge' }],
    });
    expect(t.segments.map((s) => [s.name, s.kind, s.filter])).toEqual([['trunk', 'vde', 'vde port VLANs'], ['vlan7', 'bridge', undefined]]);
    expect(t.machines[1].ifaces).toEqual([{ name: 'eth1.200', parent: 'eth1', vlan: 200, nets: ['cluster'], address: '192.168.200.2/24' }]);
    expect(t.machines[2].nics.map((n) => [n.name, n.segment, n.port])).toEqual([['eth1', 'trunk', 'access 100'], ['eth2', 'vlan7', 'access 7']]);
    expect(t.machines[2].ifaces.map((f) => [f.name, f.address])).toEqual([['eth1', 'self-configured'], ['eth2', 'self-configured']]);
    const text = topologyText(t);
    expect(text).toContain('segment trunk = VDE switch n3xab12s0 (VLANs enforced by vde port VLANs): a:eth1, b:eth1, c:eth1');
    expect(text).toContain('eth1 → trunk (access 100)');
  });

  it('a point-to-point segment (the LACP peer port of a bond) is named as one: tc redirects on the bridge backend, a 2-port hub on VDE', () => {
    const of = (kind: 'bridge' | 'vde', pointToPoint?: boolean) => topologyOf({ id: 'ab12', profile: getProfile('vlans'), backend: kind, nodes: nodes.slice(0, 2), segments: [{ hostName: 'n3xab12s0', kind, pointToPoint }] });
    expect(topologyText(of('bridge', true))).toContain('segment trunk = point-to-point (tc redirect between TAPs) n3xab12s0: n100-1:eth1, n100-2:eth1');
    expect(topologyText(of('vde', true))).toContain('segment trunk = point-to-point (2-port VDE hub) n3xab12s0:');
    expect(topologyText(of('bridge'))).toContain('segment trunk = bridge n3xab12s0:');
    expect(topologySvg(of('bridge', true))).toContain('point-to-point (tc redirect between TAPs) n3xab12s0');
  });

  it('folds in cut links, partitions, heal and netem in order', () => {
    const t0 = topologyOf({ id: 'ab12', profile: getProfile('vlans'), backend: 'bridge', nodes });
    const t = applyChanges(t0, [
      { kind: 'link', machine: 'n100-2', nics: ['eth1'], up: false },
      { kind: 'partition', a: ['n100-1'], b: ['n100-2', 'n100-3'] },
      { kind: 'heal' },
      { kind: 'partition', a: ['n100-3'], b: ['n100-1'] },
      { kind: 'netem', machine: 'n100-1', iface: 'eth1.200', spec: { delayMs: 50, jitterMs: 10 } },
      { kind: 'netem', machine: 'n100-3', iface: 'eth1.200', spec: { lossPct: 5 } },
      { kind: 'netem', machine: 'n100-3', iface: 'eth1.200', spec: null },
    ]);
    expect(t0.machines[1].nics[0].up).toBe(true); // the input is not changed
    expect(t.machines[1].nics[0].up).toBe(false);
    expect(t.partitions).toEqual([{ a: ['n100-3'], b: ['n100-1'] }]);
    expect(t.machines[0].netem).toEqual({ 'eth1.200': { delayMs: 50, jitterMs: 10 } });
    expect(t.machines[2].netem).toEqual({});
    const text = topologyText(t);
    expect(text).toContain('segment trunk = bridge n3xab12s0: n100-1:eth1, n100-2:eth1 (cut), n100-3:eth1');
    expect(text).toContain('eth1.200 192.168.200.1/24 (cluster, VLAN 200 on eth1)  netem delay 50±10ms');
    expect(text).toContain('partition: n100-3 | n100-1');
    expect(text).toContain('eth1 → trunk (trunk 100,200)  LINK CUT');
  });

  it('the SVG shows every machine, NIC, bond and VLAN interface with its address, and marks cut links', () => {
    const t = applyChanges(topologyOf({ id: 'ab12', profile: getProfile('bonding-vlans'), backend: 'bridge', nodes }), [{ kind: 'link', machine: 'n100-1', nics: ['eth2'], up: false }]);
    const svg = topologySvg(t);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const m of nodes) expect(svg).toContain(`>${m.name}`);
    for (let i = 1; i <= 3; i++) {
      expect(svg).toContain(`>192.168.200.${i}/24<`);
      expect(svg).toContain(`>192.168.100.${i}/24<`);
    }
    expect(svg.match(/>bond0\.200</g)).toHaveLength(3);
    expect(svg.match(/>bond0</g)).toHaveLength(3);
    expect(svg.match(/class="link cut"/g)).toHaveLength(1);
    expect(svg).toContain('bridge n3xab12s0');
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
