/** etcd (Debian's etcd-server 3.4) as a 3-member cluster over the profile's cluster network. */
import { type Cluster, type Machine, type SnapshotSpec, NotYet, retryUntil } from '../../harness/index.js';

export const ETCD_UNITS = ['etcd.service'];

/** Cluster state "3 etcd members formed": a snapshot scenarios restore instead of booting and forming. */
export const ETCD_FORMED: SnapshotSpec = { name: 'etcd-formed', setup: (c) => startEtcd(c), version: '1' };

/** etcdctl against the local member. */
export const etcdctl = (args: string, timeout = 5) => `ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --command-timeout=${timeout}s ${args}`;

/** Writes /etc/default/etcd for every member and starts the packaged etcd.service on all of them. */
export async function startEtcd(c: Cluster, opts: { heartbeatMs?: number; electionMs?: number } = {}): Promise<void> {
  const initial = c.machines.map((m) => `${m.name}=http://${c.address(m.name)}:2380`).join(',');
  await Promise.all(c.machines.map(async (m) => {
    await m.succeed(`cat > /etc/default/etcd <<'EOF'
ETCD_NAME=${m.name}
ETCD_DATA_DIR=/var/lib/etcd/n3x
ETCD_LISTEN_PEER_URLS=http://${c.address(m.name)}:2380
ETCD_LISTEN_CLIENT_URLS=http://${c.address(m.name)}:2379,http://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=http://${c.address(m.name)}:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://${c.address(m.name)}:2380
ETCD_INITIAL_CLUSTER=${initial}
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=n3x-${c.id}
ETCD_HEARTBEAT_INTERVAL=${opts.heartbeatMs ?? 200}
ETCD_ELECTION_TIMEOUT=${opts.electionMs ?? 2000}
EOF`);
    await m.succeed('systemctl start --no-block etcd.service');
  }));
  await Promise.all(c.machines.map((m) => waitHealthy(m)));
}

/** Starts etcd again on one (restarted) member and waits until it is healthy. */
export async function restartEtcd(m: Machine): Promise<void> {
  await m.succeed('systemctl start --no-block etcd.service');
  await waitHealthy(m);
}

export async function waitHealthy(m: Machine, timeout = 120): Promise<void> {
  await m.waitForUnit('etcd.service', { timeout: timeout });
  await m.waitUntilSucceeds(etcdctl('endpoint health'), { timeout: timeout });
}

export interface MemberStatus {
  memberId: string;
  leaderId: string;
  raftTerm: number;
  revision: number;
}

/** Parses `etcdctl -w fields` output; ids stay strings (uint64 does not fit a JS number). */
export function parseFields(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^"(\w+)" : (.*)$/gm)].map((m) => [m[1], m[2].replace(/^"|"$/g, '')]));
}

/** Status of the local member (its view of the leader and term). */
export async function status(m: Machine): Promise<MemberStatus> {
  const f = parseFields(await m.succeed(etcdctl('endpoint status -w fields')));
  if (!f.MemberID || !f.Leader) throw new Error(`unexpected endpoint status from ${m.name}: ${JSON.stringify(f)}`);
  return { memberId: f.MemberID, leaderId: f.Leader, raftTerm: Number(f.RaftTerm), revision: Number(f.Revision) };
}

/**
 * The machine that is the current leader, as all `members` agree (waits until they do). With `afterTerm`, waits
 * for a leader whose reported term is later: etcd reports the term of the last *applied* entry, so a just-elected
 * leader still shows the old term until its first entry of the new term is committed by a quorum.
 */
export async function leader(c: Cluster, members: Machine[], timeout = 60, opts: { afterTerm?: number } = {}): Promise<{ machine: Machine; status: MemberStatus }> {
  const settled = (s: MemberStatus) => opts.afterTerm === undefined || s.raftTerm > opts.afterTerm;
  return retryUntil(async () => {
    const st = await Promise.all(members.map((m) => status(m).catch(() => undefined)));
    const ids = new Set(st.map((s) => s?.leaderId));
    if (st.some((s) => !s) || ids.size !== 1 || st[0]!.leaderId === '0') throw new NotYet(`no agreed leader: ${JSON.stringify(st)}`);
    const i = st.findIndex((s) => s!.memberId === s!.leaderId);
    const found = i >= 0 ? { machine: members[i], status: st[i]! } : await leaderOutside(c);
    if (!found) throw new NotYet('leader not found among running machines');
    if (!settled(found.status)) throw new NotYet(`leader ${found.machine.name} still reports term ${found.status.raftTerm}, not after ${opts.afterTerm}`);
    return found;
  }, { timeout: timeout, what: opts.afterTerm === undefined ? 'an agreed etcd leader' : `an agreed etcd leader in a term after ${opts.afterTerm}`, interval: 0.2 });
}

/** The leader is not among the members asked: find it by asking every machine that is up. */
async function leaderOutside(c: Cluster): Promise<{ machine: Machine; status: MemberStatus } | undefined> {
  for (const m of c.machines.filter((x) => x.isUp())) {
    const s = await status(m).catch(() => undefined);
    if (s && s.memberId === s.leaderId) return { machine: m, status: s };
  }
  return undefined;
}

/**
 * A guest loop of n sequential, timed puts (`<prefix>-1` … `<prefix>-n`): one line `STATUS MS` per put. A failed
 * put is counted, not fatal: commands run under `set -euo pipefail` (as nixosTest runs them), so `|| r=$?` is what
 * keeps the first failure from ending the loop.
 */
export const timedPuts = (prefix: string, n: number, timeout = 5) =>
  `for i in $(seq ${n}); do s=$(date +%s%N); r=0; ${etcdctl(`put ${prefix}-$i v$i`, timeout)} >/dev/null 2>&1 || r=$?; e=$(date +%s%N); echo "$r $(( (e - s) / 1000000 ))"; done`;

/** Parses timedPuts' output: the milliseconds of each successful put, and how many failed. */
export function parseTimedPuts(out: string): { ms: number[]; failed: number } {
  const rows = out.trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
  return { ms: rows.filter(([r]) => r === 0).map(([, t]) => t), failed: rows.filter(([r]) => r !== 0).length };
}

export const put = (m: Machine, k: string, v: string, timeout = 5) => m.execute(etcdctl(`put ${k} ${v}`, timeout));
/** Reads a key from the local member only (serializable): proves local data, not a forwarded read. */
export const getLocal = async (m: Machine, k: string) => (await m.succeed(etcdctl(`get ${k} --print-value-only --consistency=s`))).trim();
