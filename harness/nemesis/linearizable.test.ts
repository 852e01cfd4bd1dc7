import { describe, expect, it } from 'vitest';
import { describeOp, type Op } from './history.js';
import { checkHistory, checkRegister } from './linearizable.js';

/** op(client, 'w1' | 'r1' | 'r-' | 'c1>2', invoked, completed, outcome): a compact way to write histories. */
function op(client: number, what: string, invokedMs: number, completedMs: number, outcome: Op['outcome'] = 'ok', key = 'k'): Op {
  if (what.startsWith('w')) return { client, key, kind: 'write', value: what.slice(1), invokedMs, completedMs, outcome };
  if (what.startsWith('r')) return { client, key, kind: 'read', result: what === 'r-' ? null : what.slice(1), invokedMs, completedMs, outcome };
  const [from, to] = what.slice(1).split('>');
  return { client, key, kind: 'cas', expect: from, value: to, invokedMs, completedMs, outcome };
}
const verdict = (ops: Op[]) => checkRegister('k', ops).verdict;

describe('linearizability of a register', () => {
  it('sequential write then read of the written value: linearizable', () => {
    expect(verdict([op(1, 'w1', 0, 10), op(2, 'r1', 20, 30)])).toBe('linearizable');
  });

  it('a read after a completed write that returns the old value (stale read): not linearizable', () => {
    expect(verdict([op(1, 'w1', 0, 10), op(2, 'r-', 20, 30)])).toBe('not linearizable');
  });

  it('a read concurrent with a write may see either value', () => {
    expect(verdict([op(1, 'w1', 0, 50), op(2, 'r-', 10, 20)])).toBe('linearizable');
    expect(verdict([op(1, 'w1', 0, 50), op(2, 'r1', 10, 20)])).toBe('linearizable');
  });

  it('two concurrent writes, then reads of 2 then 1 in sequence: not linearizable', () => {
    expect(verdict([op(1, 'w1', 0, 50), op(2, 'w2', 0, 50), op(3, 'r2', 60, 70), op(3, 'r1', 80, 90)])).toBe('not linearizable');
    expect(verdict([op(1, 'w1', 0, 50), op(2, 'w2', 0, 50), op(3, 'r1', 60, 70), op(3, 'r1', 80, 90)])).toBe('linearizable');
  });

  it('an unknown write may take effect late, or never — but not un-happen', () => {
    expect(verdict([op(1, 'w1', 0, 10, 'unknown'), op(2, 'r-', 20, 30), op(2, 'r1', 40, 50)])).toBe('linearizable');
    expect(verdict([op(1, 'w1', 0, 10, 'unknown'), op(2, 'r-', 20, 30), op(2, 'r-', 40, 50)])).toBe('linearizable');
    expect(verdict([op(1, 'w1', 0, 10, 'unknown'), op(2, 'r1', 20, 30), op(2, 'r-', 40, 50)])).toBe('not linearizable');
  });

  it('an unknown write cannot take effect before it was invoked', () => {
    expect(verdict([op(2, 'r1', 0, 10), op(1, 'w1', 20, 30, 'unknown')])).toBe('not linearizable');
  });

  it('a failed write never happened: reading its value is not linearizable', () => {
    expect(verdict([op(1, 'w1', 0, 10, 'fail'), op(2, 'r1', 20, 30)])).toBe('not linearizable');
    expect(verdict([op(1, 'w1', 0, 10, 'fail'), op(2, 'r-', 20, 30)])).toBe('linearizable');
  });

  it('compare-and-set: two sequential successful swaps from the same value are not linearizable', () => {
    expect(verdict([op(1, 'w0', 0, 10), op(1, 'c0>1', 20, 30), op(2, 'c0>2', 40, 50)])).toBe('not linearizable');
    expect(verdict([op(1, 'w0', 0, 10), op(1, 'c0>1', 20, 30), op(2, 'c1>2', 40, 50), op(3, 'r2', 60, 70)])).toBe('linearizable');
    // Concurrent swaps: one order makes both succeed.
    expect(verdict([op(1, 'w0', 0, 10), op(1, 'c0>1', 20, 50), op(2, 'c1>2', 20, 50), op(3, 'r2', 60, 70)])).toBe('linearizable');
  });

  it('an unknown CAS takes effect only where its expected value holds', () => {
    expect(verdict([op(1, 'w0', 0, 10), op(1, 'c0>1', 20, 30, 'unknown'), op(2, 'r1', 40, 50)])).toBe('linearizable');
    expect(verdict([op(1, 'w5', 0, 10), op(1, 'c0>1', 20, 30, 'unknown'), op(2, 'r1', 40, 50)])).toBe('not linearizable');
    expect(verdict([op(1, 'w5', 0, 10), op(1, 'c0>1', 20, 30, 'unknown'), op(2, 'r5', 40, 50)])).toBe('linearizable'); // it never happened
  });

  it('gives the shortest non-linearizable prefix: it ends at the stale read, not at later operations', () => {
    const ops = [op(1, 'w1', 0, 10), op(2, 'r1', 15, 18), op(1, 'w2', 20, 30), op(2, 'r1', 40, 50), op(1, 'w3', 60, 70), op(2, 'r3', 80, 90)];
    const r = checkRegister('k', ops);
    expect(r.verdict).toBe('not linearizable');
    expect(r.prefix?.map((x) => describeOp(x))).toEqual(['c1 write k := 1  [0 … 10 ms] ok', 'c2 read k → "1"  [15 … 18 ms] ok', 'c1 write k := 2  [20 … 30 ms] ok', 'c2 read k → "1"  [40 … 50 ms] ok']);
  });

  it('checks keys independently and reports only the broken one', () => {
    const good = [op(1, 'w1', 0, 10, 'ok', 'a'), op(2, 'r1', 20, 30, 'ok', 'a')];
    const bad = [op(1, 'w1', 0, 10, 'ok', 'b'), op(2, 'r-', 20, 30, 'ok', 'b')];
    const r = checkHistory([...good, ...bad]);
    expect(r.verdict).toBe('not linearizable');
    expect(r.keys.map((k) => [k.key, k.verdict])).toEqual([['a', 'linearizable'], ['b', 'not linearizable']]);
  });

  it('past its bounds the verdict is unknown, never linearizable', () => {
    const many = Array.from({ length: 12 }, (_, i) => op(1, `w${i}`, i * 10, i * 10 + 5));
    expect(checkRegister('k', many, { maxOps: 10 })).toMatchObject({ verdict: 'unknown', reason: '12 operations on k, over the bound of 10' });
    const concurrent = Array.from({ length: 14 }, (_, i) => op(i, `w${i}`, 0, 100));
    expect(checkRegister('k', [...concurrent, op(99, 'r-', 200, 210)], { maxConfigs: 50 }).verdict).toBe('unknown');
  });

  it('a long history from a real sequential execution, with overlapping calls, is linearizable', () => {
    // Five clients; each operation takes effect at a random instant inside its interval, in a single register.
    let rnd = 42;
    const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const effects: { at: number; op: Op }[] = [];
    for (let c = 0; c < 5; c++) {
      let t = next() * 5;
      for (let i = 0; i < 40; i++) {
        const inv = t;
        const done = inv + 1 + next() * 20;
        const w = next() < 0.5;
        effects.push({ at: inv + (done - inv) * next(), op: op(c, w ? `w${c}-${i}` : 'r?', inv, done, next() < 0.1 && w ? 'unknown' : 'ok') });
        t = done + next() * 3;
      }
    }
    let value: string | null = null;
    for (const e of effects.sort((a, b) => a.at - b.at)) {
      if (e.op.kind === 'write') { if (e.op.outcome === 'ok' || rnd % 2) value = e.op.value!; } else e.op.result = value;
    }
    const r = checkRegister('k', effects.map((e) => e.op));
    console.log(`linearizable: 200 operations, 5 clients: ${r.configs} configurations explored`);
    expect(r.verdict).toBe('linearizable');
  });
});
