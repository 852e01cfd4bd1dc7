/**
 * Register clients on etcd for the history checker: each client runs etcdctl in one guest (one operation at a time,
 * as a client does), timed by the host around the backdoor's round trip. etcdctl in the guests rather than etcd's
 * JSON gateway through host forwards: etcd listens on the cluster VLAN, not on the user-mode NIC the forwards
 * reach, and a guest client is cut off by a partition exactly as a member is — which the broken-client check needs.
 */
import { type Machine, prng, type Op } from '../../harness/index.js';
import { etcdctl } from './etcd.js';

export interface RegisterClient {
  id: number;
  machine: Machine;
  /** 'l': linearizable reads (quorum); 's': serializable reads from the local member (may be stale). */
  reads: 'l' | 's';
  /** etcdctl's command timeout in seconds (default 3): an operation that outlasts it is recorded as failed/unknown. */
  timeout?: number;
}

const TIMEOUT_S = 3;

/** Reads a key: ok with its value (null when missing), or fail (a read that errs changed nothing). */
export async function readOp(c: RegisterClient, key: string): Promise<Op> {
  const invokedMs = Date.now();
  const r = await c.machine.execute(etcdctl(`get ${key} --print-value-only --consistency=${c.reads}`, c.timeout ?? TIMEOUT_S)).catch(() => undefined);
  const completedMs = Date.now();
  const value = r?.stdout.trim();
  return { client: c.id, key, kind: 'read', result: value ? value : null, outcome: r?.status === 0 ? 'ok' : 'fail', invokedMs, completedMs };
}

/** Writes a key: ok, or unknown when etcdctl failed or timed out (the write may still have been applied). */
export async function writeOp(c: RegisterClient, key: string, value: string): Promise<Op> {
  const invokedMs = Date.now();
  const r = await c.machine.execute(etcdctl(`put ${key} ${value}`, c.timeout ?? TIMEOUT_S)).catch(() => undefined);
  return { client: c.id, key, kind: 'write', value, outcome: r?.status === 0 ? 'ok' : 'unknown', invokedMs, completedMs: Date.now() };
}

/** Compare-and-set through a transaction: ok (swapped), fail (the compare was false), or unknown. */
export async function casOp(c: RegisterClient, key: string, expect: string, value: string): Promise<Op> {
  const invokedMs = Date.now();
  const txn = `printf '%s\\n' 'value("${key}") = "${expect}"' '' 'put ${key} ${value}' '' '' | ${etcdctl('txn', c.timeout ?? TIMEOUT_S)}`;
  const r = await c.machine.execute(txn).catch(() => undefined);
  const out = r?.stdout ?? '';
  const outcome = r?.status === 0 && /^SUCCESS/m.test(out) ? 'ok' : r?.status === 0 && /^FAILURE/m.test(out) ? 'fail' : 'unknown';
  return { client: c.id, key, kind: 'cas', expect, value, outcome, invokedMs, completedMs: Date.now() };
}

/**
 * Each client, until the deadline, picks a key and an operation from the seed (reads, writes, CAS from a value it
 * has seen); values are unique per client and operation. Returns every operation of every client.
 */
export async function registerWorkload(clients: RegisterClient[], keys: string[], opts: { seconds: number; seed: number; signal?: AbortSignal }): Promise<Op[]> {
  const history: Op[] = [];
  const end = Date.now() + opts.seconds * 1000;
  await Promise.all(clients.map(async (c) => {
    const rand = prng(opts.seed * 1000 + c.id);
    const seen = new Map<string, string>();
    for (let i = 0; Date.now() < end && !opts.signal?.aborted; i++) {
      if (!c.machine.isUp()) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const key = keys[Math.floor(rand() * keys.length)];
      const x = rand();
      const value = `c${c.id}-${i}`;
      const op = x < 0.5 ? await readOp(c, key) : x < 0.8 || !seen.has(key) ? await writeOp(c, key, value) : await casOp(c, key, seen.get(key)!, value);
      if (op.kind === 'read' && op.outcome === 'ok' && op.result !== null && op.result !== undefined) seen.set(key, op.result);
      if (op.kind !== 'read' && op.outcome === 'ok') seen.set(key, op.value!);
      history.push(op);
    }
  }));
  return history;
}
