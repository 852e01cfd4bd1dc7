/**
 * Port of nixpkgs nixos/tests/wireguard/basic.nix, its test script step by step in order.
 *
 * NixOS config (make-peer.nix: one network, static ip4/ip6) → n3x node specs:
 * - peer0 192.168.0.1 / fd00::1, peer1 192.168.0.2 / fd00::2 → profile 'simple': peer0 192.168.1.1 / 2001:db8:1::1,
 *                                                               peer1 192.168.1.2 / 2001:db8:1::2 (eth1)
 * - networking.wireguard.interfaces.wg0                → packages ['wireguard-tools'] (the module is in the kernel),
 *                                                        files /etc/wireguard/wg0.conf, and a unit of the same
 *                                                        name as NixOS's, wireguard-wg0.service (oneshot,
 *                                                        RemainAfterExit: wg-quick up/down wg0), enabled and started
 * - ips 10.23.42.1/32 fc00::1/128, listenPort 23542     → [Interface] Address, ListenPort
 * - wg-snakeoil-keys (fixed keys in nixpkgs)            → fresh x25519 keys made on the host per run
 * - peer0's peer: allowedIPs 10.23.42.2/32 fc00::2/128  → [Peer] AllowedIPs (wg-quick adds the routes)
 * - peer1: allowedIPsAsRoutes = false, peer with allowedIPs 0.0.0.0/0 ::/0, endpoint peer0:23542,
 *   persistentKeepalive 25, postSetup ip route replace → Table = off, [Peer] Endpoint, PersistentKeepalive,
 *                                                        PostUp = ip route replace … dev wg0 (both routes)
 * - networking.firewall.allowedUDPPorts                 → nothing (no firewall in the n3x guest)
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'vitest';
import { addressOf, getProfile } from '../../harness/index.js';
import { useCluster } from '../../harness/vitest.js';

/** A WireGuard key pair (base64 of the raw 32-byte keys, as `wg genkey | wg pubkey` prints them). */
function wgKeys(): { privateKey: string; publicKey: string } {
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  const b64 = (s?: string) => Buffer.from(s!, 'base64url').toString('base64');
  return { privateKey: b64(jwk.d), publicKey: b64(jwk.x) };
}
const keys = { peer0: wgKeys(), peer1: wgKeys() };
const peer0Ip4 = addressOf(getProfile('simple'), 1);

const unit = `[Unit]
Description=WireGuard Tunnel - wg0
After=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/wg-quick up wg0
ExecStop=/usr/bin/wg-quick down wg0
[Install]
WantedBy=multi-user.target
`;
const peer = (name: string, conf: string) => ({
  name,
  packages: ['wireguard-tools'],
  files: { '/etc/wireguard/wg0.conf': { text: conf, mode: 0o600 } },
  unitFiles: { 'wireguard-wg0.service': { text: unit, enable: true, start: true } },
});

describe.sequential('nixpkgs wireguard (basic)', () => {
  const h = useCluster({
    profile: 'simple',
    nodes: [
      peer('peer0', `[Interface]
Address = 10.23.42.1/32, fc00::1/128
ListenPort = 23542
PrivateKey = ${keys.peer0.privateKey}

[Peer]
PublicKey = ${keys.peer1.publicKey}
AllowedIPs = 10.23.42.2/32, fc00::2/128
`),
      peer('peer1', `[Interface]
Address = 10.23.42.2/32, fc00::2/128
ListenPort = 23542
PrivateKey = ${keys.peer1.privateKey}
Table = off
PostUp = ip route replace 10.23.42.1/32 dev wg0; ip route replace fc00::1/128 dev wg0

[Peer]
PublicKey = ${keys.peer0.publicKey}
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = ${peer0Ip4}:23542
PersistentKeepalive = 25
`),
    ],
  });

  it('the peers ping each other through wg0 over IPv6 and IPv4', async () => {
    // start_all(): useCluster has started both
    await h.m('peer0').waitForUnit('wireguard-wg0.service');
    await h.m('peer1').waitForUnit('wireguard-wg0.service');
    await h.m('peer1').succeed('ping -c5 fc00::1');
    await h.m('peer1').succeed('ping -c5 10.23.42.1');
  });
});
