import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { guestNetworkScript } from './guestnet.js';
import { linkOf, nodeAddress, nodeAddress6, nodeNetwork, profileNics, type NodeNetworkOptions } from './nodenet.js';

const vlans = getProfile('vlans');
const simple = getProfile('simple');
const nets = (p = vlans, ...nodes: ({ name: string } & NodeNetworkOptions)[]) => nodes.map((n, i) => nodeNetwork(p, n, i + 1));

describe('per-node networks', () => {
  it('a profile expands to the same ports on every node: its VLANs tagged, an untagged network as VLAN 1', () => {
    expect(profileNics(vlans)).toEqual([{ segment: 'trunk', tagged: [200, 100] }]);
    expect(profileNics(simple)).toEqual([{ segment: 'lan', vlan: 1 }]);
    expect(profileNics(getProfile('bonding-vlans'))).toEqual([{ segment: 'trunk', tagged: [200, 100] }, { segment: 'trunk', tagged: [200, 100] }]);
  });

  it('vlans (virtualisation.vlans): one access NIC per VLAN, 192.168.<vlan>.<n>, the profile\'s segment where it carries the VLAN', () => {
    const [client, router, server] = nets(simple, { name: 'client', vlans: [1] }, { name: 'router', vlans: [2, 1] }, { name: 'server', vlans: [2] });
    expect(router.nics).toEqual([{ segment: 'vlan2', vlan: 2 }, { segment: 'lan', vlan: 1 }]);
    expect(router.links.map((l) => [l.name, l.vlan])).toEqual([['eth1', 2], ['eth2', 1]]);
    expect([nodeAddress(client, 1), nodeAddress(router, 2), nodeAddress(router, 1), nodeAddress(server, 2)]).toEqual(['192.168.1.1', '192.168.2.2', '192.168.1.2', '192.168.2.3']);
    expect(nodeAddress6(router, 2)).toBe('2001:db8:2::2');
    expect(nodeAddress(router)).toBe('192.168.1.2'); // VLAN 1 is the simple profile's cluster network
    expect(() => nodeAddress(server)).toThrow(/server is not on the cluster network.*use one of its VLANs: 2/s);
    expect(() => nodeAddress(client, 2)).toThrow(/client is not on VLAN 2/);
  });

  it('nics: a trunk without VLAN 100 has no storage link; an access port on VLAN 100 carries storage untagged', () => {
    const [, noStorage, storageOnly] = nets(vlans, { name: 'a' }, { name: 'b', nics: [{ segment: 'trunk', tagged: [200] }] }, { name: 'c', nics: [{ segment: 'trunk', vlan: 100 }] });
    expect(noStorage.links.map((l) => l.name)).toEqual(['eth1.200']);
    expect(linkOf(noStorage, 'storage')).toBeUndefined();
    expect(() => nodeAddress(noStorage, 'storage')).toThrow(/not on the storage network/);
    expect(storageOnly.links).toEqual([{ name: 'eth1', parent: 'eth1', vlan: 100, prefix: '192.168.100', nets: ['storage'] }]);
    expect(nodeAddress(storageOnly, 'storage')).toBe('192.168.100.3');
  });

  it('the guest script configures each node\'s own links; /etc/hosts names each node by its first link\'s address (primaryIPAddress)', () => {
    const all = nets(simple, { name: 'client', vlans: [1] }, { name: 'router', vlans: [2, 1] }, { name: 'server', vlans: [2] });
    const s = guestNetworkScript(all[1], all);
    expect(s).toContain('n in eth1 eth2;');
    expect(s).toContain('addr add 192.168.2.2/24 dev eth1\naddr add 2001:db8:2::2/64 dev eth1 nodad\naddr add 192.168.1.2/24 dev eth2');
    expect(s).toContain('192.168.1.1 client\\n2001:db8:1::1 client\\n192.168.2.2 router\\n2001:db8:2::2 router\\n192.168.2.3 server\\n2001:db8:2::3 server\\n');
  });

  it('addresses: false brings links up bare and leaves the node out of /etc/hosts', () => {
    const all = nets(vlans, { name: 'a' }, { name: 'b', addresses: false });
    const s = guestNetworkScript(all[1], all);
    expect(s).toContain('link add link eth1 name eth1.200 type vlan id 200\nlink set eth1.200 up');
    expect(s).not.toContain('addr add');
    expect(s).not.toMatch(/ b\\n/);
    expect(() => nodeAddress(all[1])).toThrow(/configures its own addresses/);
  });

  it('a VLAN above 254 has no default address: a node on it must configure its own', () => {
    expect(() => nets(vlans, { name: 'a', vlans: [300] })).toThrow(/VLAN 300 has no default address/);
    expect(nets(vlans, { name: 'a', vlans: [300], addresses: false })[0].links[0].name).toBe('eth1');
  });

  it.each([
    [{ name: 'a', vlans: [1], nics: [{ segment: 'lan', vlan: 1 }] }, /both vlans and nics/],
    [{ name: 'a', vlans: [0] }, /invalid VLAN id 0/],
    [{ name: 'a', nics: [{ segment: 'lan' }] }, /carries no VLAN/],
    [{ name: 'a', nics: [{ segment: 'lan', vlan: 5, tagged: [5] }] }, /both untagged and tagged/],
    [{ name: 'a', vlans: [5, 5] }, /VLAN 5 on two links/],
    [{ name: 'a', nics: [] }, /no data NICs/],
  ] as ({ name: string } & NodeNetworkOptions)[][])('rejects %o', (node, re) => {
    expect(() => nodeNetwork(simple, node, 1)).toThrow(re as unknown as RegExp);
  });
});
