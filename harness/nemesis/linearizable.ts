/**
 * Linearizability of a register history, key by key (keys are independent registers): a Wing–Gong style search
 * over the orders the history allows, with memoised configurations (which operations are linearized, and the
 * register's value) so that each configuration is explored once.
 *
 * - `ok` operations must take effect between their invocation and completion;
 * - `unknown` writes and CAS may take effect at any time after their invocation, or never; unknown reads constrain
 *   nothing and are left out; `fail` operations never took effect and are left out.
 * - Bounded: at most `maxOps` operations per key and `maxConfigs` configurations explored per check; past either
 *   bound the verdict is 'unknown', never 'linearizable'.
 * - On a violation, the shortest prefix of the history (cut at an operation's completion) that is already not
 *   linearizable, found by bisection: linearizability is prefix-closed, so every longer prefix fails too.
 */
import { byKey, type Op } from './history.js';

export interface CheckOptions {
  /** The register's value before the history (null: the key does not exist). */
  initial?: string | null;
  /** Operations per key beyond which the check gives up with 'unknown'. Default 400. */
  maxOps?: number;
  /** Configurations explored per key beyond which the check gives up with 'unknown'. Default 1,000,000 (about 16 s of search here). */
  maxConfigs?: number;
}

export type Verdict = 'linearizable' | 'not linearizable' | 'unknown';

export interface KeyResult {
  key: string;
  verdict: Verdict;
  /** Operations checked (after leaving out failed operations and unknown reads). */
  ops: number;
  configs: number;
  /** When not linearizable: the shortest non-linearizable prefix, in invocation order. */
  prefix?: Op[];
  /** When unknown: which bound was reached. */
  reason?: string;
}

const DEFAULTS = { initial: null as string | null, maxOps: 400, maxConfigs: 1_000_000 };

/** Checks every key of a history; valid only when every key is linearizable. */
export function checkHistory(history: readonly Op[], opts: CheckOptions = {}): { verdict: Verdict; keys: KeyResult[] } {
  const keys = [...byKey(history)].map(([key, ops]) => checkRegister(key, ops, opts));
  const verdict: Verdict = keys.some((k) => k.verdict === 'not linearizable') ? 'not linearizable'
    : keys.some((k) => k.verdict === 'unknown') ? 'unknown' : 'linearizable';
  return { verdict, keys };
}

/** Checks one register's operations; on a violation, bisects for the shortest non-linearizable prefix. */
export function checkRegister(key: string, history: readonly Op[], opts: CheckOptions = {}): KeyResult {
  const o = { ...DEFAULTS, ...opts };
  const ops = relevant(history);
  if (ops.length > o.maxOps) return { key, verdict: 'unknown', ops: ops.length, configs: 0, reason: `${ops.length} operations on ${key}, over the bound of ${o.maxOps}` };
  const whole = search(ops, o.initial, o.maxConfigs);
  if (whole.verdict !== 'not linearizable') return { key, ...whole, ops: ops.length };
  // Cut points: completions of ok operations (a violation becomes visible only when some operation completes).
  const cuts = [...new Set(ops.filter((x) => x.outcome === 'ok').map((x) => x.completedMs))].sort((a, b) => a - b);
  let lo = 0;
  let hi = cuts.length - 1; // the cut at the last completion is the whole history: not linearizable
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (search(prefixAt(ops, cuts[mid]), o.initial, o.maxConfigs).verdict === 'not linearizable') hi = mid;
    else lo = mid + 1;
  }
  return { key, ...whole, ops: ops.length, prefix: prefixAt(ops, cuts[lo]) };
}

/** The operations that constrain the register: no failed operations, no unknown reads; in invocation order. */
function relevant(history: readonly Op[]): Op[] {
  return history.filter((x) => x.outcome !== 'fail' && !(x.kind === 'read' && x.outcome === 'unknown')).sort((a, b) => a.invokedMs - b.invokedMs);
}

/** The history as it stood at time t: operations invoked by then; those not yet completed become unknown. */
export function prefixAt(ops: readonly Op[], t: number): Op[] {
  return relevant(ops.filter((x) => x.invokedMs <= t).map((x) => (x.completedMs <= t ? x : { ...x, outcome: 'unknown' as const, completedMs: Infinity })));
}

/** Applies one operation to the register's value: the new value, or undefined when it cannot happen there. */
function apply(op: Op, value: string | null): string | null | undefined {
  switch (op.kind) {
    case 'read': return op.result === value ? value : undefined;
    case 'write': return op.value ?? null;
    case 'cas': return value === (op.expect ?? null) ? (op.value ?? null) : undefined;
  }
}

/** Depth-first search over linearization orders, each configuration (linearized set, value) visited once. */
function search(ops: readonly Op[], initial: string | null, maxConfigs: number): { verdict: Verdict; configs: number; reason?: string } {
  const n = ops.length;
  const bits = ops.map((_, i) => 1n << BigInt(i));
  const done = ops.map((x) => (x.outcome === 'ok' ? x.completedMs : Infinity)); // unknown: may take effect any time later
  const byDone = [...ops.keys()].sort((a, b) => done[a] - done[b]);
  let required = 0n;
  ops.forEach((x, i) => {
    if (x.outcome === 'ok') required |= bits[i];
  });
  const seen = new Set<string>();
  const stack: [bigint, string | null][] = [[0n, initial]];
  while (stack.length) {
    const [mask, value] = stack.pop()!;
    if ((mask & required) === required) return { verdict: 'linearizable', configs: seen.size };
    const id = `${mask.toString(36)}|${value === null ? '\u0000' : value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (seen.size > maxConfigs) return { verdict: 'unknown', configs: seen.size, reason: `more than ${maxConfigs} configurations explored` };
    // An operation can take effect next only if it was invoked before every pending operation completed: the
    // horizon is the earliest completion among the pending ones (ops are in invocation order, so stop past it).
    let horizon = Infinity;
    for (const i of byDone) {
      if (!(mask & bits[i])) {
        horizon = done[i];
        break;
      }
    }
    const next: [bigint, string | null][] = [];
    for (let i = 0; i < n && ops[i].invokedMs <= horizon; i++) {
      if (mask & bits[i]) continue;
      const v = apply(ops[i], value);
      if (v !== undefined) next.push([mask | bits[i], v]);
    }
    for (let j = next.length - 1; j >= 0; j--) stack.push(next[j]); // explore in invocation order
  }
  return { verdict: 'not linearizable', configs: seen.size };
}
