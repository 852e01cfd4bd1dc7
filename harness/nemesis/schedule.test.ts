import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { describeFault, prng, schedule } from './schedule.js';

const nodes = ['n100-1', 'n100-2', 'n100-3'];

describe('nemesis schedule', () => {
  it('the same seed gives the same schedule; another seed another one', () => {
    const a = schedule(nodes, { seed: 7, duration: 120 });
    expect(schedule(nodes, { seed: 7, duration: 120 })).toEqual(a);
    expect(schedule(nodes, { seed: 8, duration: 120 })).not.toEqual(a);
    expect(a.length).toBeGreaterThan(3);
  });

  it('faults do not overlap, last at least a second, and have all healed by the duration', () => {
    for (let seed = 0; seed < 50; seed++) {
      const s = schedule(nodes, { seed, duration: 60, interval: 5 });
      s.forEach((f, i) => {
        expect(f.until - f.at).toBeGreaterThanOrEqual(1);
        expect(f.until).toBeLessThanOrEqual(60);
        if (i) expect(f.at).toBeGreaterThan(s[i - 1].until);
      });
    }
  });

  it('partitions split the nodes: halves and lone are disjoint and cover all; a bridge node is on both sides', () => {
    const all = Array.from({ length: 40 }, (_, seed) => schedule(['a', 'b', 'c', 'd', 'e'], { seed, duration: 100, faults: ['partition-halves', 'partition-lone', 'partition-bridge'] })).flat();
    for (const f of all) {
      const [x, y] = f.sides!;
      const common = x.filter((n) => y.includes(n));
      expect(common).toHaveLength(f.kind === 'partition-bridge' ? 1 : 0);
      expect(new Set([...x, ...y]).size).toBe(5);
      if (f.kind === 'partition-lone') expect(x).toHaveLength(1);
    }
    expect(new Set(all.map((f) => f.kind)).size).toBe(3);
  });

  it('crashes and link cuts hit one node; netem and clock jumps carry their parameters', () => {
    const all = Array.from({ length: 20 }, (_, seed) => schedule(nodes, { seed, duration: 100, faults: ['crash', 'link-cut', 'netem', 'clock-jump'] })).flat();
    for (const f of all) expect(f.nodes).toHaveLength(1);
    expect(all.filter((f) => f.kind === 'netem').every((f) => f.netem)).toBe(true);
    expect(all.filter((f) => f.kind === 'clock-jump').every((f) => typeof f.jump === 'number')).toBe(true);
  });

  it('with two nodes, partitions are left out; asking only for them is refused', () => {
    expect(schedule(['a', 'b'], { seed: 1, duration: 60 }).some((f) => f.kind.startsWith('partition'))).toBe(false);
    expect(() => schedule(['a', 'b'], { seed: 1, duration: 60, faults: ['partition-lone'] })).toThrow(ConfigError);
    expect(() => schedule(nodes, { seed: 1.5, duration: 60 })).toThrow(/seed: must be an integer/);
  });

  it('prng: deterministic floats in [0, 1)', () => {
    const r = prng(123);
    const xs = Array.from({ length: 1000 }, r);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, prng(123))).toEqual(xs);
  });

  it('describes a fault on one line', () => {
    expect(describeFault({ kind: 'partition-lone', at: 12.3, until: 20.1, sides: [['b'], ['a', 'c']], nodes: ['b', 'a', 'c'] })).toBe('12.3–20.1 s partition-lone [b] | [a c]');
    expect(describeFault({ kind: 'netem', at: 1, until: 2, nodes: ['a'], netem: { lossPct: 5 } })).toBe('1.0–2.0 s netem a {"lossPct":5}');
  });
});
