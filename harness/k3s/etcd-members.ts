/**
 * Reading k3s's embedded etcd from itself: `etcdctl member list -w simple` against 127.0.0.1:2379 with the client
 * certificate k3s writes for it, parsed into members, and the question the formation asks before it starts the
 * next server: is this node a full voter yet (etcd admits one learner at a time, and a learner cannot vote).
 * Parsing is pure and unit-tested on etcdctl's own output shape.
 */

/** Where k3s keeps its etcd client credentials (server/tls/etcd under its data dir). */
export const K3S_ETCD_TLS = '/var/lib/rancher/k3s/server/tls/etcd';

/** etcdctl against a k3s server's embedded etcd, as root on that server. */
export function k3sEtcdctl(args: string, o: { endpoint?: string; commandTimeout?: number } = {}): string {
  return [
    'ETCDCTL_API=3 etcdctl', `--endpoints=${o.endpoint ?? 'https://127.0.0.1:2379'}`,
    `--cacert=${K3S_ETCD_TLS}/server-ca.crt`, `--cert=${K3S_ETCD_TLS}/client.crt`, `--key=${K3S_ETCD_TLS}/client.key`,
    `--command-timeout=${o.commandTimeout ?? 10}s`, args,
  ].join(' ');
}

export interface EtcdMember {
  /** Hex member id (a uint64: kept as text). */
  id: string;
  started: boolean;
  /** k3s names members `<node>-<8 hex>`; empty until the member has started. */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/**
 * Parses `etcdctl member list -w simple` (etcd 3.4+): one member a line, `ID, started|unstarted, NAME, PEER
 * URLS, CLIENT URLS, IS LEARNER`, the URL lists joined by commas without spaces. Throws on any other line.
 */
export function parseMemberList(text: string): EtcdMember[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const f = line.split(', ');
    if (f.length !== 6 || !/^[0-9a-f]+$/.test(f[0]) || !['started', 'unstarted'].includes(f[1]) || !['true', 'false'].includes(f[5])) {
      throw new Error(`not an etcdctl member list line (ID, status, name, peer URLs, client URLs, is learner): '${line}'`);
    }
    const urls = (s: string) => s.split(',').filter(Boolean);
    return { id: f[0], started: f[1] === 'started', name: f[2], peerUrls: urls(f[3]), clientUrls: urls(f[4]), isLearner: f[5] === 'true' };
  });
}

/** The member whose peer URL is on this address (k3s advertises https://<node-ip>:2380). */
export function memberAt(members: EtcdMember[], ip: string): EtcdMember | undefined {
  return members.find((m) => m.peerUrls.some((u) => new URL(u).hostname === ip));
}

/** Undefined when the member at `ip` is a started voter; else what it still is (for the wait's message). */
export function notYetVoter(members: EtcdMember[], ip: string): string | undefined {
  const m = memberAt(members, ip);
  if (!m) return `no etcd member at ${ip} yet (${members.length} member(s): ${members.map((x) => x.name || x.id).join(', ')})`;
  if (!m.started) return `etcd member ${m.id} at ${ip} added but not started`;
  if (m.isLearner) return `etcd member ${m.name} at ${ip} is still a learner (not a voter)`;
  return undefined;
}
