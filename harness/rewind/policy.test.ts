import { describe, expect, it } from 'vitest';
import { keepFromEnv, toPrune, type Keepable } from './policy.js';

const at = (m: number) => new Date(Date.UTC(2026, 11, 3, 12, m)).toISOString();
const all: Keepable[] = [
  { id: 'a-1', createdAt: at(1), status: 'passed' },
  { id: 'a-2', createdAt: at(2), status: 'failed' },
  { id: 'a-3', createdAt: at(3), status: 'passed' },
  { id: 'a-4', createdAt: at(4), status: 'skipped' },
  { id: 'a-5', createdAt: at(5), status: 'running' },
  { id: 'a-6', createdAt: at(6), status: 'passed' },
];

describe('checkpoint keep/prune policy', () => {
  it('keeps every failed and running one and the newest N of the rest', () => {
    expect(toPrune(all, 2).sort()).toEqual(['a-1', 'a-3']);
    expect(toPrune(all, 0).sort()).toEqual(['a-1', 'a-3', 'a-4', 'a-6']);
    expect(toPrune(all, 10)).toEqual([]);
  });

  it('reads N3X_CHECKPOINT_KEEP (default 2) and refuses what is not a count', () => {
    expect(keepFromEnv({})).toBe(2);
    expect(keepFromEnv({ N3X_CHECKPOINT_KEEP: '0' })).toBe(0);
    expect(() => keepFromEnv({ N3X_CHECKPOINT_KEEP: '-1' })).toThrow(/whole number/);
    expect(() => keepFromEnv({ N3X_CHECKPOINT_KEEP: 'some' })).toThrow(/not a count/);
  });
});
