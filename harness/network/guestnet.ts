/**
 * The guest side of a node's data plane as one shell script, run on every boot: NICs up, the bond, VLAN
 * sub-interfaces, nixosTest's addresses and /etc/hosts. Pure; unit-tested.
 */
import { nodeAddress, nodeAddress6, primaryLink, dataIfaces, type NodeNetwork } from './nodenet.js';

/**
 * Shell script that configures a node's data plane from scratch. Every link and address change goes through one
 * `ip -batch` (one process instead of one per change: each costs tens of ms under TCG). `all` names every node
 * in /etc/hosts by its primary address (its first link's), IPv4 and IPv6, as nixosTest does.
 */
export function guestNetworkScript(n: NodeNetwork, all: NodeNetwork[]): string {
  const nics = dataIfaces(n);
  const lines: string[] = [
    'set -e',
    `for i in {1..100}; do ok=1; for n in ${nics.join(' ')}; do [ -e /sys/class/net/$n ] || ok=0; done; [ $ok = 1 ] && break; sleep 0.1; done`,
  ];
  // 802.3ad needs each port's speed and duplex (the bond keeps a port down without them); virtio-net reports
  // neither unless told, and takes them from ethtool for exactly this purpose.
  if (n.bond?.mode === '802.3ad') lines.push(`for n in ${n.bond.slaves.join(' ')}; do ethtool -s $n speed 1000 duplex full; done`);
  const ip: string[] = [];
  const up = new Set<string>();
  if (n.bond) {
    const b = n.bond;
    ip.push(`link add ${b.name} type bond mode ${b.mode} miimon ${b.miimonMs}${b.lacpRate ? ` lacp_rate ${b.lacpRate}` : ''}`);
    for (const s of b.slaves) ip.push(`link set ${s} down`, `link set ${s} master ${b.name}`);
    if (b.mode === 'active-backup') ip.push(`link set ${b.name} type bond primary ${b.slaves[0]}`);
    ip.push(`link set ${b.name} up`);
    for (const s of b.slaves) up.add(s);
    up.add(b.name);
  }
  for (const nic of nics) if (!up.has(nic)) ip.push(`link set ${nic} up`);
  for (const l of n.links) {
    if (l.tag) ip.push(`link add link ${l.parent} name ${l.name} type vlan id ${l.tag}`, `link set ${l.name} up`);
    if (!n.addresses) continue;
    ip.push(`addr add ${nodeAddress(n, l.vlan)}/24 dev ${l.name}`);
    ip.push(`addr add ${nodeAddress6(n, l.vlan)}/64 dev ${l.name} nodad`); // the family follows the address
  }
  lines.push(`ip -batch - <<'IPCMDS'`, ...ip, 'IPCMDS');
  const hosts = all.flatMap((h) => {
    const l = primaryLink(h);
    return l ? [`${nodeAddress(h, l.vlan)} ${h.name}`, `${nodeAddress6(h, l.vlan)} ${h.name}`] : [];
  });
  lines.push(`printf '127.0.0.1 localhost\\n::1 localhost ip6-localhost\\n${hosts.map((h) => `${h}\\n`).join('')}' > /etc/hosts`);
  return lines.join('\n');
}
