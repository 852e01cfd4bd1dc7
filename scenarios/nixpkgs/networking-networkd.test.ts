/**
 * Port of nixpkgs nixos/tests/networking/networkd-and-scripted.nix (nixpkgs revision
 * 035a24e7ed33009b8a503ad0b76679665b8977a8) with the router it imports, nixos/tests/networking/router.nix (revision
 * 1e19017748659134c1bdf1f816132c1be478b699): the networkd variant (networkd = true) of the subtests Static,
 * SimpleDHCP and MACVLAN, their test scripts step by step in order. The scripted variant (NixOS's own set-up
 * scripts and dhcpcd) is not ported.
 *
 * NixOS config → n3x node specs (profile 'simple': VLAN 1 is its network, VLANs 2 and 3 segments of their own):
 * - nixosTest boots a client and a router per subtest → one cluster for all three: the router is the same in each,
 *   and the client switches to the subtest's configuration first (switch-to-configuration <subtest>: stop
 *   systemd-networkd, flush its links, put the subtest's files into /etc/systemd/network, start networkd) while
 *   the router forgets the neighbours it learnt, as a fresh one would (the macvlan's 192.168.1.3 was eth1's in
 *   Static: the router's stale entry cost ~50 s of unanswered pings)
 * - router virtualisation.vlans [1 2 3]; client virtualisation.interfaces.enp1s0.vlan 1 and enp2s0.vlan 2 → router
 *   vlans [1, 2, 3] (eth1, eth2, eth3), client vlans [1, 2]: enp1s0, enp2s0 are eth1, eth2 here (the guest names
 *   NICs eth1, eth2, … in `vlans` order; the script names them with cluster.iface(vlan, 'client')). The MACVLAN
 *   client has only enp1s0; here eth2 stays up, unconfigured. Both nodes set addresses: false (nixosTest assigns
 *   none to either: the router overrides its defaults, the client's interfaces take none)
 * - networking.useNetworkd → use-networkd.target (enabled, started) pulls in Debian's systemd-networkd, and each
 *   networking.interfaces / defaultGateway / macvlans entry becomes the .network / .netdev file NixOS generates
 * - router: eth<n> 192.168.<n>.1/24 and fd00:1234:5678:<n>::1/64; boot.kernel.sysctl net.ipv6.conf.all.forwarding
 *   → the same sysctl
 * - router services.kea.dhcp4 (pool .3-.254, routers and domain-name-servers .1, a reservation of .2 for the
 *   client's NIC on each VLAN by its MAC) → systemd-networkd's own DHCP server on each eth<n> (DHCPServer=; the
 *   base image has no DHCP server package): DNS 192.168.<n>.1, router 192.168.<n>.1 (networkd sends its own
 *   address), a static lease of .2 for that MAC. Its pool is .3 alone: kea hands out its pool in order (the first
 *   client without a reservation gets .3, which MACVLAN pings), networkd's server picks an address by hashing the
 *   client id. It matches a static lease by client id (01 + MAC), kea by hardware address: the DHCP clients send
 *   ClientIdentifier=mac
 * - the MACs: nixosTest gives a node's NIC on VLAN v the MAC 52:54:00:12:0v:<node number> (qemuNicMac; the client
 *   is node 1), which the reservations name; n3x derives its MACs from the run, so the client's DHCP .network
 *   files set that MAC ([Link] MACAddress=)
 * - router services.kea.dhcp6 (a pool of ::2 alone) and services.radvd (managed and other-config flags, RDNSS
 *   2001:db8::1, the prefix not autonomous) → networkd's router advertisements (IPv6SendRA=) with RDNSS
 *   2001:db8::1 and the prefix fd00:1234:5678:<n>::/64 autonomous, and the DHCP clients take ::2 as their SLAAC
 *   interface identifier ([IPv6AcceptRA] Token=static:::2): networkd has no DHCPv6 server, and the base image
 *   none either; the client gets the address kea would give (fd00:1234:5678:<n>::2). The static client accepts no
 *   router advertisements (IPv6AcceptRA=no), so its addresses stay the configured ones
 * - networking.firewall (router: checkReversePath, UDP 547 open; MACVLAN client: checkReversePath off, logging)
 *   and environment.systemPackages iptables → nothing (no firewall in the n3x guest; iptables is in the image)
 * - `client.fail("systemctl status kea-dhcp4-server.service")` (and dhcp6) → nothing on the client listens on the
 *   DHCP server ports, UDP 67 and 547 (a Debian guest has no kea units to ask about)
 * - `resolvectl status enp2s0 | grep …` (systemd-resolved, not in the base image) → `networkctl status eth2`, which
 *   lists the DNS servers networkd learnt on the link (DHCP and router advertisements)
 * - `router.log(…)` → console.log; waits are bounded at 120 s (nixosTest: 900 s): a lease takes seconds here
 */
import { describe, it } from 'vitest';
import type { NodeSpec } from '../../harness/index.js';
import { useCluster } from '../../harness/vitest.js';

/** A systemd unit-style file (.network, .netdev) from its sections, in order; a section may repeat. */
const sections = (s: [string, string[]][]) => s.map(([name, lines]) => `[${name}]\n${lines.join('\n')}\n`).join('');

/** nixosTest's MAC for node `node`'s NIC on VLAN `vlan` (qemu-common.nix qemuNicMac: two decimal digits each). */
const qemuNicMac = (vlan: number, node: number) => `52:54:00:12:${String(vlan).padStart(2, '0')}:${String(node).padStart(2, '0')}`;

const useNetworkd = {
  'use-networkd.target': {
    text: '[Unit]\nDescription=systemd-networkd configures the links (networking.useNetworkd)\nWants=systemd-networkd.service\nAfter=systemd-networkd.service\n[Install]\nWantedBy=multi-user.target\n',
    enable: true,
    start: true,
  },
};

const routerNetwork = (n: number) => sections([
  ['Match', [`Name=eth${n}`]],
  ['Network', [`Address=192.168.${n}.1/24`, `Address=fd00:1234:5678:${n}::1/64`, 'IPv6AcceptRA=no', 'DHCPServer=yes', 'IPv6SendRA=yes']],
  ['DHCPServer', ['PoolOffset=3', 'PoolSize=1', 'EmitDNS=yes', `DNS=192.168.${n}.1`]],
  ['DHCPServerStaticLease', [`MACAddress=${qemuNicMac(n, 1)}`, `Address=192.168.${n}.2`]],
  ['IPv6SendRA', ['EmitDNS=yes', 'DNS=2001:db8::1']],
  ['IPv6Prefix', [`Prefix=fd00:1234:5678:${n}::/64`]],
]);

const router: NodeSpec = {
  name: 'router',
  vlans: [1, 2, 3],
  addresses: false,
  sysctl: { 'net.ipv6.conf.all.forwarding': 1 },
  files: Object.fromEntries([1, 2, 3].map((n) => [`/etc/systemd/network/eth${n}.network`, { text: routerNetwork(n) }])),
  unitFiles: useNetworkd,
};

/** The client's NIC on VLAN n taking its addresses by DHCP (useDHCP), as the router's reservations expect it. */
const dhcpClient = (n: number, network: string[] = []) => sections([
  ['Match', [`Name=eth${n}`]],
  ['Link', [`MACAddress=${qemuNicMac(n, 1)}`]],
  ['Network', ['DHCP=yes', ...network]],
  ['DHCPv4', ['ClientIdentifier=mac']],
  ['IPv6AcceptRA', ['Token=static:::2']],
]);

/** The client's configuration of each subtest: file name in /etc/systemd/network → text. */
const configurations: Record<string, Record<string, string>> = {
  static: {
    'eth1.network': sections([
      ['Match', ['Name=eth1']],
      ['Network', [
        'Address=192.168.1.2/24', 'Address=192.168.1.3/32', 'Address=192.168.1.10/32',
        'Address=fd00:1234:5678:1::2/64', 'Address=fd00:1234:5678:1::3/128', 'IPv6AcceptRA=no',
      ]],
      ['Route', ['Gateway=192.168.1.1', 'PreferredSource=192.168.1.3']],
      ['Route', ['Gateway=fd00:1234:5678:1::1', 'PreferredSource=fd00:1234:5678:1::3']],
    ]),
    'eth2.network': sections([['Match', ['Name=eth2']], ['Network', ['Address=192.168.2.2/24', 'IPv6AcceptRA=no']]]),
  },
  dhcpSimple: { 'eth1.network': dhcpClient(1), 'eth2.network': dhcpClient(2) },
  macvlan: {
    'eth1.network': dhcpClient(1, ['MACVLAN=macvlan']),
    'macvlan.netdev': sections([['NetDev', ['Name=macvlan', 'Kind=macvlan']]]),
    'macvlan.network': sections([['Match', ['Name=macvlan']], ['Network', ['DHCP=yes']]]),
  },
};

const switchScript = `#!/bin/sh
set -e
c=/etc/n3x/configurations/$1
if [ -z "$1" ] || [ ! -d "$c" ]; then echo "switch-to-configuration: ${Object.keys(configurations).join(', ')}" >&2; exit 2; fi
systemctl stop systemd-networkd.service systemd-networkd.socket
ip link del macvlan 2>/dev/null || true
for i in eth1 eth2; do
  ip addr flush dev $i scope global
  ip -4 route flush dev $i
  ip -6 route flush dev $i proto static
  ip -6 route flush dev $i proto ra
done
rm -f /etc/systemd/network/*
cp "$c"/* /etc/systemd/network/
systemctl start systemd-networkd.socket systemd-networkd.service
`;

const client: NodeSpec = {
  name: 'client',
  vlans: [1, 2],
  addresses: false,
  files: {
    ...Object.fromEntries(Object.entries(configurations).flatMap(([c, files]) => Object.entries(files).map(([f, text]) => [`/etc/n3x/configurations/${c}/${f}`, { text }]))),
    '/usr/local/sbin/switch-to-configuration': { text: switchScript, mode: 0o755 },
  },
  unitFiles: useNetworkd,
};

/** Succeeds while something listens on UDP `port` (grep -c, not -q: no SIGPIPE under pipefail). */
const listensOn = (port: number) => `ss -H -l -u -n 'sport = :${port}' | grep -c .`;
const wait = { timeout: 120 };

describe.sequential('nixpkgs networking (networkd): Static, SimpleDHCP, MACVLAN', () => {
  // nixosTest numbers nodes by name: client is node 1, router node 2
  const h = useCluster({ profile: 'simple', memoryMiB: 512, nodes: [client, router] });
  /** The client takes the subtest's configuration; the router forgets its neighbours (see the header). */
  const switchClient = async (configuration: string) => {
    await h.m('client').succeed(`switch-to-configuration ${configuration}`);
    await h.m('router').succeed('ip neigh flush all');
  };

  it('Static: static addresses on both VLANs, the default gateways with their source addresses, no DHCP server on the client', async () => {
    // start_all(): useCluster has started both; the client switches to this subtest's configuration
    const [client, router] = [h.m('client'), h.m('router')];
    await switchClient('static');

    await client.waitForUnit('network.target');
    await router.systemctl('start network-online.target');
    await router.waitForUnit('network-online.target');

    // with subtest("Make sure DHCP server is not started")
    await client.fail(listensOn(67));
    await client.fail(listensOn(547));

    // with subtest("Test vlan 1")
    await client.waitUntilSucceeds('ping -c 1 192.168.1.1', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.2', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.3', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.10', wait);

    // with subtest("Test vlan 2")
    await client.waitUntilSucceeds('ping -c 1 192.168.2.1', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.2.2', wait);

    // with subtest("Test default gateway")
    await client.waitUntilSucceeds('ping -c 1 192.168.3.1', wait);
    await client.waitUntilSucceeds('ping -c 1 fd00:1234:5678:1::1', wait);

    // with subtest("Test default addresses")
    await client.succeed("ip -4 route show default | grep -q 'src 192.168.1.3'");
    await client.succeed("ip -6 route show default | grep -q 'src fd00:1234:5678:1::3'");
  });

  it('SimpleDHCP: each NIC leases an IPv4 and an IPv6 address, eth2 its nameservers; client and router reach each other on both VLANs', async () => {
    const [client, router] = [h.m('client'), h.m('router')];
    const [if1, if2] = [1, 2].map((v) => h.cluster.iface(v, 'client'));
    // router.start(): running since useCluster
    await router.systemctl('start network-online.target');
    await router.waitForUnit('network-online.target');

    // client.start(): running since useCluster; it switches to this subtest's configuration
    await switchClient('dhcpSimple');
    await client.waitForUnit('network.target');

    // with subtest("Wait until we have an ip address on each interface")
    await client.waitUntilSucceeds(`ip addr show dev ${if1} | grep -q '192.168.1'`, wait);
    await client.waitUntilSucceeds(`ip addr show dev ${if1} | grep -q 'fd00:1234:5678:1:'`, wait);
    await client.waitUntilSucceeds(`ip addr show dev ${if2} | grep -q '192.168.2'`, wait);
    await client.waitUntilSucceeds(`ip addr show dev ${if2} | grep -q 'fd00:1234:5678:2:'`, wait);

    // with subtest("Wait until we have received the nameservers"): networkd's view, resolvectl's source
    await client.waitUntilSucceeds(`networkctl status -n 0 ${if2} | grep -q 2001:db8::1`, wait);
    await client.waitUntilSucceeds(`networkctl status -n 0 ${if2} | grep -q 192.168.2.1`, wait);

    // with subtest("Test vlan 1")
    await client.waitUntilSucceeds('ping -c 1 192.168.1.1', wait);
    await client.waitUntilSucceeds('ping -c 1 fd00:1234:5678:1::1', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.2', wait);
    await router.waitUntilSucceeds('ping -c 1 fd00:1234:5678:1::2', wait);

    // with subtest("Test vlan 2")
    await client.waitUntilSucceeds('ping -c 1 192.168.2.1', wait);
    await client.waitUntilSucceeds('ping -c 1 fd00:1234:5678:2::1', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.2.2', wait);
    await router.waitUntilSucceeds('ping -c 1 fd00:1234:5678:2::2', wait);
  });

  it('MACVLAN: the NIC and a macvlan on it each lease a 192.168.1 address; .1, .2 and .3 answer the client and the router', async () => {
    // start_all(): both running; the client switches to this subtest's configuration
    const [client, router] = [h.m('client'), h.m('router')];
    const if1 = h.cluster.iface(1, 'client');
    await switchClient('macvlan');

    // with subtest("Wait for networking to come up")
    await client.waitForUnit('network.target');
    await router.waitForUnit('network.target');

    // with subtest("Wait until we have an ip address on each interface")
    await client.waitUntilSucceeds(`ip addr show dev ${if1} | grep -q '192.168.1'`, wait);
    await client.waitUntilSucceeds("ip addr show dev macvlan | grep -q '192.168.1'", wait);

    // with subtest("Print lots of diagnostic information")
    console.log('**********************************************');
    await router.succeed('ip addr >&2');
    await router.succeed('ip route >&2');
    await router.execute('iptables-save >&2');
    console.log('==============================================');
    await client.succeed('ip addr >&2');
    await client.succeed('ip route >&2');
    await client.execute('iptables-save >&2');
    console.log('##############################################');

    // with subtest("Test macvlan creates routable ips")
    await client.waitUntilSucceeds('ping -c 1 192.168.1.1', wait);
    await client.waitUntilSucceeds('ping -c 1 192.168.1.2', wait);
    await client.waitUntilSucceeds('ping -c 1 192.168.1.3', wait);

    await router.waitUntilSucceeds('ping -c 1 192.168.1.1', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.2', wait);
    await router.waitUntilSucceeds('ping -c 1 192.168.1.3', wait);
  });
});
