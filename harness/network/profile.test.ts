import { describe, expect, it } from 'vitest';
import { getProfile, profileName, profiles } from '../../profiles/index.js';
import { ConfigError } from '../errors.js';
import { guestNetworkScript } from './guestnet.js';
import { nodeNetwork } from './nodenet.js';
import { address6Of, addressOf, ifaceOf, validateProfile, type NetworkProfile } from './profile.js';

const nodes = [1, 2, 3].map((i) => ({ name: `n100-${i}`, index: i }));
/** The guest script of node `n` (of n100-1..3) on profile `p`, every node on the profile's NICs. */
const scriptOf = (p: NetworkProfile, n: { index: number }) => {
  const all = nodes.map((x) => nodeNetwork(p, x, x.index));
  return guestNetworkScript(all[n.index - 1], all);
};

describe('profiles', () => {
  it('every registered profile is valid', () => {
    for (const p of Object.values(profiles)) expect(() => validateProfile(p)).not.toThrow();
  });
  it('simple: eth1 untagged on 192.168.1.x', () => {
    const p = getProfile('simple');
    expect(ifaceOf(p)).toBe('eth1');
    expect(ifaceOf(p, 'storage')).toBe('eth1');
    expect(addressOf(p, 2)).toBe('192.168.1.2');
    const s = scriptOf(p, nodes[1]);
    expect(s).toContain('link set eth1 up');
    expect(s).toContain('addr add 192.168.1.2/24 dev eth1');
    expect(s).not.toContain('type vlan');
  });
  it('vlans: VLAN 200 cluster and VLAN 100 storage on the eth1 trunk', () => {
    const p = getProfile('vlans');
    expect([ifaceOf(p), ifaceOf(p, 'storage')]).toEqual(['eth1.200', 'eth1.100']);
    const s = scriptOf(p, nodes[0]);
    expect(s).toContain('link add link eth1 name eth1.200 type vlan id 200');
    expect(s).toContain('addr add 192.168.200.1/24 dev eth1.200');
    expect(s).toContain('link add link eth1 name eth1.100 type vlan id 100');
    expect(s).toContain('addr add 192.168.100.1/24 dev eth1.100');
    expect(s).not.toMatch(/^addr add \S+ dev eth1$/m);
  });
  it('bonding-vlans: bond0 active-backup over eth1+eth2 with VLANs on bond0', () => {
    const p = getProfile('bonding-vlans');
    const s = scriptOf(p, nodes[2]);
    expect(s).toContain('link add bond0 type bond mode active-backup miimon 100');
    expect(s).toContain('link set eth1 master bond0');
    expect(s).toContain('link set eth2 master bond0');
    expect(s).toContain('link set bond0 type bond primary eth1');
    expect(s).toContain('link add link bond0 name bond0.200 type vlan id 200');
    expect(s).toContain('addr add 192.168.100.3/24 dev bond0.100');
    expect(s.indexOf('master bond0')).toBeLessThan(s.indexOf('link set bond0 up'));
    // One ip process for every change (each exec costs tens of ms under TCG), stopping at the first error.
    expect(s.split('\n').filter((l) => /^ip\b/.test(l))).toEqual(["ip -batch - <<'IPCMDS'"]);
    expect(s).toMatch(/<<'IPCMDS'\n(?:(?:link|addr) [^\n]+\n)+IPCMDS\n/);
  });
  it('writes /etc/hosts with every node on the cluster network, IPv4 and IPv6 (as nixosTest)', () => {
    const s = scriptOf(getProfile('vlans'), nodes[0]);
    expect(s).toContain('192.168.200.1 n100-1\\n2001:db8:200::1 n100-1\\n192.168.200.2 n100-2\\n2001:db8:200::2 n100-2');
  });
  it('every network carries IPv6: 2001:db8:<vlan>::<n>/64, VLAN 1 when untagged', () => {
    expect(address6Of(getProfile('vlans'), 2, 'storage')).toBe('2001:db8:100::2');
    expect(address6Of(getProfile('simple'), 12)).toBe('2001:db8:1::c');
    const s = scriptOf(getProfile('bonding-vlans'), nodes[2]);
    expect(s).toContain('addr add 2001:db8:200::3/64 dev bond0.200 nodad');
    expect(s).toContain('addr add 2001:db8:100::3/64 dev bond0.100 nodad');
  });
  it('an 802.3ad bond carries its LACP rate; lacpRate with another mode is refused', () => {
    const lacp: NetworkProfile = {
      name: 'lacp', description: '', segments: ['a', 'b'], nics: ['a', 'b'],
      bond: { name: 'bond0', mode: '802.3ad', miimonMs: 100, lacpRate: 'fast', slaves: ['eth1', 'eth2'] },
      networks: { cluster: { parent: 'bond0', prefix: '192.168.1' } },
    };
    expect(scriptOf(lacp, nodes[0])).toContain('link add bond0 type bond mode 802.3ad miimon 100 lacp_rate fast');
    expect(scriptOf(lacp, nodes[0])).toContain("for n in eth1 eth2; do ethtool -s $n speed 1000 duplex full; done\nip -batch - <<'IPCMDS'");
    expect(scriptOf(getProfile('bonding-vlans'), nodes[0])).not.toContain('ethtool');
    expect(scriptOf(getProfile('bonding-vlans'), nodes[0])).toContain('link add bond0 type bond mode active-backup miimon 100\n');
    expect(() => getProfile({ ...lacp, bond: { ...lacp.bond!, mode: 'active-backup' } })).toThrow(/lacpRate applies to mode '802.3ad' only/);
  });
  it('a new profile is data only', () => {
    const custom: NetworkProfile = {
      name: 'two-nets', description: 'storage on its own NIC', segments: ['a', 'b'], nics: ['a', 'b'],
      networks: { cluster: { parent: 'eth1', prefix: '10.10.0' }, storage: { parent: 'eth2', vlan: 30, prefix: '10.20.0' } },
    };
    expect(getProfile(custom)).toBe(custom);
    expect(scriptOf(custom, nodes[0])).toContain('link add link eth2 name eth2.30 type vlan id 30');
  });
  it.each([
    [{ name: 'x', description: '', segments: ['a'], nics: ['b'], networks: { cluster: { parent: 'eth1', prefix: '10.0.0' } } }, /unknown segment/],
    [{ name: 'x', description: '', segments: ['a'], nics: ['a'], networks: { cluster: { parent: 'eth1', vlan: 5000, prefix: '10.0.0' } } }, /VLAN id/],
    [{ name: 'x', description: '', segments: ['a'], nics: ['a'], networks: { cluster: { parent: 'eth3', prefix: '10.0.0' } } }, /unknown link/],
    [{ name: 'x', description: '', segments: ['a'], nics: ['a'], networks: { cluster: { parent: 'eth1', prefix: '10.0' } } }, /three octets/],
  ] as [NetworkProfile, RegExp][])('rejects invalid profile %#', (p, re) => {
    expect(() => getProfile(p)).toThrow(re);
  });
  it('unknown profile names list the known ones', () => {
    expect(() => getProfile('vlan' as never)).toThrow(ConfigError);
    expect(() => profileName('vlan')).toThrow(/simple, vlans, bonding-vlans/);
    expect(profileName('vlans')).toBe('vlans');
  });
});
