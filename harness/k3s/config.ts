/** k3s role configuration derived from the network profile (pure; unit-tested). */
import { addressOf, ifaceOf, type NetworkProfile } from '../network/profile.js';

export type K3sRole = 'server' | 'agent';

export interface K3sNode {
  name: string;
  /** 1-based position in the cluster (addresses derive from it). */
  index: number;
  role: K3sRole;
}

export const K3S_TOKEN_FILE = '/etc/n3x/k3s-token';
export const K3S_API_PORT = 6443;

export interface K3sOptions {
  /** Components to disable (default traefik, servicelb, metrics-server: not needed by the scenarios, slow under TCG). */
  disable?: string[];
  extraServerArgs?: string[];
  extraAgentArgs?: string[];
}

/** The first server initialises embedded etcd; every other node joins it. */
export function firstServer(nodes: K3sNode[]): K3sNode {
  const s = nodes.find((n) => n.role === 'server');
  if (!s) throw new Error('a k3s cluster needs at least one server');
  return s;
}

/** Full k3s argv (after the binary) for one node. The token is read from a file, never passed inline. */
export function k3sArgs(p: NetworkProfile, node: K3sNode, nodes: K3sNode[], o: K3sOptions = {}): string[] {
  const ip = addressOf(p, node.index);
  const iface = ifaceOf(p, 'cluster');
  const first = firstServer(nodes);
  const join = node.name === first.name ? [] : ['--server', `https://${addressOf(p, first.index)}:${K3S_API_PORT}`];
  const common = ['--node-name', node.name, '--node-ip', ip, '--flannel-iface', iface, '--token-file', K3S_TOKEN_FILE];
  if (node.role === 'agent') return ['agent', ...join, ...common, ...(o.extraAgentArgs ?? [])];
  const servers = nodes.filter((n) => n.role === 'server');
  const init = node.name === first.name && servers.length > 1 ? ['--cluster-init'] : [];
  const disable = (o.disable ?? ['traefik', 'servicelb', 'metrics-server']).flatMap((d) => ['--disable', d]);
  return [
    'server', ...init, ...join, ...common,
    '--advertise-address', ip, '--tls-san', ip, '--tls-san', '127.0.0.1',
    '--write-kubeconfig-mode', '0600', ...disable, ...(o.extraServerArgs ?? []),
  ];
}

/** Gateway for the default route k3s insists on: an address on the cluster network that no machine owns. */
export function blackholeGateway(p: NetworkProfile): string {
  return `${p.networks.cluster.prefix}.254`;
}

/** systemd unit text for k3s on one node. */
export function k3sUnit(args: string[]): string {
  return [
    '[Unit]', 'Description=k3s (n3x)', 'After=network-online.target', '',
    '[Service]', 'Type=notify', `ExecStart=/usr/local/bin/k3s ${args.join(' ')}`,
    'KillMode=process', 'Delegate=yes', 'LimitNOFILE=1048576', 'LimitNPROC=infinity', 'LimitCORE=infinity',
    'TasksMax=infinity', 'TimeoutStartSec=0', 'Restart=always', 'RestartSec=5s', '',
  ].join('\n');
}

/** Guest commands that prepare a node for k3s: modules, sysctls, default route to nowhere, token file. */
export function k3sPrepareScript(p: NetworkProfile, token: string): string {
  if (!/^[A-Za-z0-9]{16,128}$/.test(token)) throw new Error('k3s token must be 16-128 alphanumeric characters');
  return [
    'set -e',
    'modprobe br_netfilter; modprobe overlay; modprobe vxlan',
    'sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1',
    `ip route replace default via ${blackholeGateway(p)} dev ${ifaceOf(p, 'cluster')}`,
    'mkdir -p /etc/n3x && umask 077',
    `printf '%s' '${token}' > ${K3S_TOKEN_FILE}`,
  ].join('\n');
}
