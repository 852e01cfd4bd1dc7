/**
 * A client-visible history of operations on registers (one per key): what each client invoked, when, and what it
 * saw. Outcomes as Jepsen names them: `ok` (it happened, with this result), `fail` (it certainly did not happen),
 * `unknown` (it may have happened at any time after its invocation, or never: a timeout, a lost connection).
 */

export type OpKind = 'read' | 'write' | 'cas';
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface Op {
  /** The client that ran it (a client runs one operation at a time). */
  client: number;
  key: string;
  kind: OpKind;
  /** write: the value written; cas: the new value. */
  value?: string;
  /** cas: the value expected. */
  expect?: string;
  /** read: the value seen (null: the key did not exist). Only meaningful when `outcome` is ok. */
  result?: string | null;
  outcome: Outcome;
  /** Host clock, milliseconds (any origin): when the client invoked it, and when it saw the outcome. */
  invokedMs: number;
  completedMs: number;
}

/** One line per operation, e.g. `c2 write k1 := 7  [104 … 230 ms] ok`. */
export function describeOp(op: Op, origin = 0): string {
  const what = op.kind === 'read' ? `read ${op.key} → ${op.outcome === 'ok' ? JSON.stringify(op.result ?? null) : '?'}`
    : op.kind === 'write' ? `write ${op.key} := ${op.value}`
      : `cas ${op.key} ${op.expect} → ${op.value}`;
  return `c${op.client} ${what}  [${op.invokedMs - origin} … ${op.completedMs - origin} ms] ${op.outcome}`;
}

/** Operations grouped by key, each group in invocation order. */
export function byKey(ops: readonly Op[]): Map<string, Op[]> {
  const out = new Map<string, Op[]>();
  for (const op of [...ops].sort((a, b) => a.invokedMs - b.invokedMs)) {
    const list = out.get(op.key) ?? [];
    list.push(op);
    out.set(op.key, list);
  }
  return out;
}
