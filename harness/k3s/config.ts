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
/** Where the k3s layer disk is mounted in the guest (systemd unit opt-n3x-k3s.mount). */
export const K3S_LAYER_MOUNT = '/opt/n3x/k3s';

export interface K3sOptions {
  /** The k3s release (the binary's version): decides whether the image import cache is switched on. */
  version?: string;
  /** Components to disable (default traefik, servicelb, metrics-server: not needed by the scenarios, slow under TCG). */
  disable?: string[];
  extraServerArgs?: string[];
  extraAgentArgs?: string[];
  /**
   * The budget's time factor (budget.ts: 1 under KVM, K3S_TCG_FACTOR under TCG): one API call's own timeout (20 s)
   * and a server's /readyz probe (5 s) are multiplied by it, as every wait of the scenario is. Default 1.
   */
  timeFactor?: number;
  /**
   * The port on 127.0.0.1 where keepalived asks a server's `/ping` over TLS without a client certificate (HA only).
   * Default the API port (6443), where k3s answers it unauthenticated.
   */
  healthPort?: number;
}

/** One API call's own timeout and a /readyz probe's, in ms, for a budget's time factor (see K3sOptions.timeFactor). */
export function apiTimeoutsMs(factor = 1): { call: number; probe: number } {
  return { call: 20_000 * factor, probe: 5_000 * factor };
}

/** The first server initialises embedded etcd; every other node joins it. */
export function firstServer(nodes: K3sNode[]): K3sNode {
  const s = nodes.find((n) => n.role === 'server');
  if (!s) throw new Error('a k3s cluster needs at least one server');
  return s;
}

/** True for a cluster with more than one server: embedded etcd HA, joins through the fixed registration address. */
export function isHa(nodes: K3sNode[]): boolean {
  return nodes.filter((n) => n.role === 'server').length > 1;
}

/**
 * The address every joining node registers through: in HA the virtual IP keepalived moves between the servers
 * (vip.ts), so joins survive the first server's loss; with one server, that server.
 */
export function joinAddress(p: NetworkProfile, nodes: K3sNode[]): string {
  return isHa(nodes) ? registrationVip(p) : addressOf(p, firstServer(nodes).index);
}

/** The HA registration VIP: host number 250 on the cluster network (no machine owns it; machines count from 1). */
export function registrationVip(p: NetworkProfile): string {
  return `${p.networks.cluster.prefix}.250`;
}

/** Full k3s argv (after the binary) for one node. The token is read from a file, never passed inline. */
export function k3sArgs(p: NetworkProfile, node: K3sNode, nodes: K3sNode[], o: K3sOptions = {}): string[] {
  const ip = addressOf(p, node.index);
  const iface = ifaceOf(p, 'cluster');
  const first = firstServer(nodes);
  const join = node.name === first.name ? [] : ['--server', `https://${joinAddress(p, nodes)}:${K3S_API_PORT}`];
  const common = ['--node-name', node.name, '--node-ip', ip, '--flannel-iface', iface, '--token-file', K3S_TOKEN_FILE];
  if (node.role === 'agent') return ['agent', ...join, ...common, ...(o.extraAgentArgs ?? [])];
  const servers = nodes.filter((n) => n.role === 'server');
  const init = node.name === first.name && servers.length > 1 ? ['--cluster-init'] : [];
  const disable = (o.disable ?? ['traefik', 'servicelb', 'metrics-server']).flatMap((d) => ['--disable', d]);
  return [
    'server', ...init, ...join, ...common,
    '--advertise-address', ip, '--tls-san', ip, '--tls-san', '127.0.0.1', ...(isHa(nodes) ? ['--tls-san', joinAddress(p, nodes)] : []),
    '--write-kubeconfig-mode', '0600', ...disable, ...(o.extraServerArgs ?? []),
  ];
}

/** Gateway for the default route k3s insists on: an address on the cluster network that no machine owns. */
export function blackholeGateway(p: NetworkProfile): string {
  return `${p.networks.cluster.prefix}.254`;
}

/** The order k3s units start in: the first server (cluster-init), the other servers one by one, then the agents. */
export function startOrder(nodes: K3sNode[]): { first: K3sNode; servers: K3sNode[]; agents: K3sNode[] } {
  const first = firstServer(nodes);
  return { first, servers: nodes.filter((n) => n.role === 'server' && n !== first), agents: nodes.filter((n) => n.role === 'agent') };
}

export const K3S_ROUTE_UNIT = 'n3x-k3s-route.service';

/** systemd unit text for k3s on one node: enabled, so it comes back after a reboot or a crash. */
export function k3sUnit(args: string[]): string {
  return [
    '[Unit]', 'Description=k3s (n3x)', `Wants=network-online.target ${K3S_ROUTE_UNIT}`, `After=network-online.target ${K3S_ROUTE_UNIT}`,
    `RequiresMountsFor=${K3S_LAYER_MOUNT}`, '',
    '[Service]', 'Type=notify', `ExecStart=/usr/local/bin/k3s ${args.join(' ')}`,
    'KillMode=process', 'Delegate=yes', 'LimitNOFILE=1048576', 'LimitNPROC=infinity', 'LimitCORE=infinity',
    'TasksMax=infinity', 'TimeoutStartSec=0', 'Restart=always', 'RestartSec=5s', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}

/**
 * The default route k3s insists on, as a unit: the host configures the data plane after every boot, so the
 * unit waits for the cluster address to appear, then routes to a gateway nobody owns.
 */
export function k3sRouteUnit(p: NetworkProfile): string {
  const dev = ifaceOf(p, 'cluster');
  return [
    '[Unit]', 'Description=n3x: default route to nowhere for k3s (its gateway is an address no machine owns)', '',
    '[Service]', 'Type=oneshot', 'RemainAfterExit=yes',
    `ExecStart=/bin/sh -c 'for i in $(seq 600); do ip -4 -o addr show dev ${dev} 2>/dev/null | grep -q inet && break; sleep 0.5; done; exec ip route replace default via ${blackholeGateway(p)} dev ${dev}'`,
    '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}

export const K3S_MODULES = ['br_netfilter', 'overlay', 'vxlan', 'nf_conntrack'];
export const K3S_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1'];

/**
 * Guest commands that prepare a node for k3s, persistently (modules-load.d, sysctl.d, a route unit) and at
 * once; and the token as a 0600 file. Ends with sync: a crash() right after must not lose any of it.
 */
export function k3sPrepareScript(p: NetworkProfile, token: string): string {
  if (!/^[A-Za-z0-9]{16,128}$/.test(token)) throw new Error('k3s token must be 16-128 alphanumeric characters');
  return [
    'set -e',
    `printf '%s\\n' ${K3S_MODULES.join(' ')} > /etc/modules-load.d/n3x-k3s.conf`,
    `printf '%s\\n' ${K3S_SYSCTLS.join(' ')} > /etc/sysctl.d/90-n3x-k3s.conf`,
    `for m in ${K3S_MODULES.join(' ')}; do modprobe $m; done`,
    'sysctl -q -p /etc/sysctl.d/90-n3x-k3s.conf',
    `cat > /etc/systemd/system/${K3S_ROUTE_UNIT} <<'EOF'\n${k3sRouteUnit(p)}EOF`,
    'systemctl daemon-reload',
    `systemctl enable --now ${K3S_ROUTE_UNIT}`,
    'mkdir -p /etc/n3x',
    `(umask 077 && printf '%s' '${token}' > ${K3S_TOKEN_FILE})`,
    'sync',
  ].join('\n');
}
