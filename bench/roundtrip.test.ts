import { describe, expect, it } from 'vitest';
import { ratio, spread } from './roundtrip.js';

describe('spread', () => {
  it('takes the nearest-rank median and 95th percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(spread(xs)).toEqual({ n: 100, medianMs: 50, p95Ms: 95 });
    expect(spread([3.14159])).toEqual({ n: 1, medianMs: 3.14, p95Ms: 3.14 });
  });
  it('refuses no samples', () => {
    expect(() => spread([])).toThrow(/no samples/);
  });
});

describe('ratio', () => {
  it('is a / b to 3 decimals', () => {
    expect(ratio(4, 80)).toBe(0.05);
    expect(ratio(2, 3)).toBe(0.667);
  });
});
