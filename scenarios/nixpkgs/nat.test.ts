/**
 * Port of nixpkgs nixos/tests/nat.nix (nixpkgs revision a58b502dfe7fd69d5c8a86bce332184a4aa2fd39), the iptables
 * variants natStandalone and natWithFirewall, their test script step by step in order.
 *
 * NixOS config → n3x node specs (profile 'simple': VLAN 1 is its network, VLAN 2 a segment of its own):
 * - client virtualisation.vlans [1], router [2 1], server [2] → the same `vlans` (client 192.168.1.1,
 *   router eth1 192.168.2.2 outside and eth2 192.168.1.2 inside, server 192.168.2.3); /etc/hosts names each
 *   node by its primary (first) address, as nixosTest does: router is 192.168.2.2
 * - client networking.defaultGateway = router's eth2 address → unit network-setup.service (oneshot: ip route
 *   replace default via 192.168.1.2), the NixOS unit that sets the gateway
 * - router networking.nat (internalIPs 192.168.1.0/24, externalInterface eth1) → sysctl net.ipv4.conf.all.forwarding
 *   and a MASQUERADE rule for 192.168.1.0/24 out of eth1: standalone in nat.service (removed on stop), with the
 *   firewall in firewall.service, which applies it while /etc/n3x-nat.enable exists (NixOS puts NAT into the
 *   firewall's rules when the firewall is on)
 * - router networking.firewall.enable (natWithFirewall) → firewall.service: INPUT accepts loopback, established
 *   and related traffic and ICMP echo (allowPing), drops the rest, as nixos-fw
 * - routerDummyNoNat and `switch-to-configuration test` of either closure → /usr/local/sbin/switch-to-configuration
 *   <router|routerDummyNoNat>: the changes a switch between the two makes (NAT rules off or on; standalone, like
 *   NixOS, does not restart nat.service on the way back: the test's FIXME step starts it)
 * - server services.httpd → packages apache2 (apache2.service, Debian's default page); services.vsftpd with
 *   anonymousUser → packages vsftpd, /etc/vsftpd.conf anonymous with anon_root /home/ftp; server-services.service
 *   makes /home/ftp, restarts vsftpd with that file (Debian may start it before the node's configuration is
 *   written) and starts apache2
 * - server networking.firewall.enable = false → nothing (no firewall in the n3x guest)
 * - `wait_for_unit("network.target")` → the machine counts as up only once its network is configured
 * - the nftables variant → not ported (iptables only)
 */
import { describe, it } from 'vitest';
import type { NodeSpec } from '../../harness/index.js';
import { useCluster } from '../../harness/vitest.js';

const oneshot = (description: string, start: string[], stop: string[] = []) => `[Unit]
Description=${description}
[Service]
Type=oneshot
RemainAfterExit=yes
${start.map((c) => `ExecStart=${c}`).join('\n')}
${stop.map((c) => `ExecStop=${c}`).join('\n')}
[Install]
WantedBy=multi-user.target
`;

const masquerade = '-t nat -A POSTROUTING -s 192.168.1.0/24 -o eth1 -j MASQUERADE';

const firewallScript = `#!/bin/sh
set -e
iptables -w -P INPUT ACCEPT
iptables -w -F INPUT
iptables -w -t nat -F POSTROUTING
[ "$1" = stop ] && exit 0
iptables -w -A INPUT -i lo -j ACCEPT
iptables -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables -w -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
iptables -w -P INPUT DROP
if [ -e /etc/n3x-nat.enable ]; then iptables -w ${masquerade}; fi
`;

const switchScript = (withFirewall: boolean) => `#!/bin/sh
set -e
case "$1" in
  router) touch /etc/n3x-nat.enable; ${withFirewall ? 'systemctl restart firewall.service' : ':'} ;;
  routerDummyNoNat) rm -f /etc/n3x-nat.enable; ${withFirewall ? 'systemctl restart firewall.service' : 'systemctl stop nat.service'} ;;
  *) echo "switch-to-configuration: router or routerDummyNoNat" >&2; exit 2 ;;
esac
`;

function router(withFirewall: boolean): NodeSpec {
  return {
    name: 'router',
    vlans: [2, 1],
    sysctl: { 'net.ipv4.conf.all.forwarding': 1 },
    files: {
      '/etc/n3x-nat.enable': { text: '' },
      '/usr/local/sbin/switch-to-configuration': { text: switchScript(withFirewall), mode: 0o755 },
      ...(withFirewall ? { '/usr/local/sbin/n3x-firewall': { text: firewallScript, mode: 0o755 } } : {}),
    },
    unitFiles: withFirewall
      ? { 'firewall.service': { text: oneshot('Firewall', ['/usr/local/sbin/n3x-firewall start'], ['/usr/local/sbin/n3x-firewall stop']), enable: true, start: true } }
      : { 'nat.service': { text: oneshot('Network Address Translation', [`/usr/sbin/iptables -w ${masquerade}`], [`/usr/sbin/iptables -w ${masquerade.replace('-A', '-D')}`]), enable: true, start: true } },
  };
}

const vsftpdConf = `listen=YES
listen_ipv6=NO
anonymous_enable=YES
anon_root=/home/ftp
local_enable=NO
write_enable=NO
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name=vsftpd
`;

const nodes = (withFirewall: boolean): NodeSpec[] => [
  {
    name: 'client',
    vlans: [1],
    unitFiles: { 'network-setup.service': { text: oneshot('Networking Setup', ['/usr/sbin/ip route replace default via 192.168.1.2']), enable: true, start: true } },
  },
  router(withFirewall),
  {
    name: 'server',
    vlans: [2],
    packages: ['apache2', 'vsftpd'],
    files: { '/etc/vsftpd.conf': { text: vsftpdConf } },
    unitFiles: { 'server-services.service': { text: oneshot('httpd and vsftpd with the configuration of this node', ['/bin/mkdir -p /home/ftp', '/bin/systemctl restart vsftpd.service', '/bin/systemctl start apache2.service']), enable: true, start: true } },
  },
];

describe.sequential.each([
  { variant: 'natStandalone', withFirewall: false, unit: 'nat' },
  { variant: 'natWithFirewall', withFirewall: true, unit: 'firewall' },
])('nixpkgs nat ($variant)', ({ withFirewall, unit }) => {
  const h = useCluster({ profile: 'simple', nodes: nodes(withFirewall), snapshot: 'booted' });

  it('the client reaches the server through the NAT router, and not once NAT is off', async () => {
    // client.start(), router.start(), server.start(): useCluster has started all three (from their booted snapshot)
    const [client, router, server] = ['client', 'router', 'server'].map((n) => h.m(n));

    // The router should have access to the server.
    await server.waitForUnit('apache2'); // server.wait_for_unit("network.target"): up means configured
    await router.succeed('curl -4 --fail http://server/ >&2');

    // The client should be also able to connect via the NAT router.
    await router.waitForUnit(unit);
    await client.succeed('curl --fail http://server/ >&2');
    await client.succeed('ping -4 -c 1 server >&2');

    // Test whether passive FTP works.
    await server.waitForUnit('vsftpd');
    await server.succeed('echo Hello World > /home/ftp/foo.txt');
    await client.succeed('curl -v ftp://server/foo.txt >&2');

    // Test whether active FTP works.
    await client.fail('curl -v -P - ftp://server/foo.txt >&2');

    // Test ICMP.
    await client.succeed('ping -4 -c 1 router >&2');
    await router.succeed('ping -4 -c 1 client >&2');

    // If we turn off NAT, the client shouldn't be able to reach the server.
    await router.succeed('switch-to-configuration routerDummyNoNat 2>&1');
    await client.fail('curl -4 --fail --connect-timeout 5 http://server/ >&2');
    await client.fail('ping -4 -c 1 server >&2');

    // And make sure that reloading the NAT job works.
    await router.succeed('switch-to-configuration router 2>&1');
    // FIXME (nixpkgs): nat.service is not started because network.target is not triggered
    if (!withFirewall) await router.succeed('systemctl start nat.service');
    await client.succeed('curl -4 --fail http://server/ >&2');
    await client.succeed('ping -4 -c 1 server >&2');
  });
});
