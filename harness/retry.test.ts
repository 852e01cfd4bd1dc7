import { describe, expect, it } from 'vitest';
import { InfraError, WaitTimeoutError } from './errors.js';
import { NotYet, retryUntil } from './retry.js';

describe('retryUntil', () => {
  it('retries until the attempt succeeds', async () => {
    let n = 0;
    const r = await retryUntil(async () => {
      if (++n < 3) throw new NotYet('no');
      return n;
    }, { timeoutMs: 5000, intervalMs: 5, what: 'x' });
    expect(r).toBe(3);
  });
  it('fails with WaitTimeoutError naming the wait and the last attempt at the deadline', async () => {
    const t0 = Date.now();
    const e = await retryUntil(async () => { throw new NotYet('still booting'); }, { timeoutMs: 300, intervalMs: 20, what: 'the thing', context: () => ({ machine: 'm1' }) }).catch((x) => x);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/\[m1\] timed out after 0\.3 s waiting for the thing; last attempt: still booting/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('stops at once on an infrastructure error', async () => {
    let n = 0;
    const e = await retryUntil(async () => { n++; throw new InfraError('QEMU exited'); }, { timeoutMs: 5000, intervalMs: 5, what: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(InfraError);
    expect(n).toBe(1);
  });
});

describe('retryUntil ends at once on anything but NotYet', () => {
  it('a definite failure (e.g. a failed unit) is thrown as is, without waiting for the deadline', async () => {
    const t0 = Date.now();
    const e = await retryUntil(async () => { throw new RangeError('unit failed'); }, { timeoutMs: 10_000, intervalMs: 5, what: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
