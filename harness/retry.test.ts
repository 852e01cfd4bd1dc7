import { describe, expect, it } from 'vitest';
import { InfraError, WaitTimeoutError } from './errors.js';
import { NotYet, retryUntil } from './retry.js';

describe('retryUntil', () => {
  it('retries until the attempt succeeds', async () => {
    let n = 0;
    const r = await retryUntil(async () => {
      if (++n < 3) throw new NotYet('no');
      return n;
    }, { timeout: 5, interval: 0.005, what: 'x' });
    expect(r).toBe(3);
  });
  it('fails with WaitTimeoutError naming the wait and the last attempt at the deadline', async () => {
    const t0 = Date.now();
    const e = await retryUntil(async () => { throw new NotYet('still booting'); }, { timeout: 0.3, interval: 0.02, what: 'the thing', context: () => ({ machine: 'm1' }) }).catch((x) => x);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/\[m1\] timed out after 0\.3 s waiting for the thing; last attempt: still booting/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('stops at once on an infrastructure error', async () => {
    let n = 0;
    const e = await retryUntil(async () => { n++; throw new InfraError('QEMU exited'); }, { timeout: 5, interval: 0.005, what: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(InfraError);
    expect(n).toBe(1);
  });
});

describe('retryUntil ends at once on anything but NotYet', () => {
  it('a definite failure (e.g. a failed unit) is thrown as is, without waiting for the deadline', async () => {
    const t0 = Date.now();
    const e = await retryUntil(async () => { throw new RangeError('unit failed'); }, { timeout: 10, interval: 0.005, what: 'x' }).catch((x) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('retryUntil deadlines are host-side and leave nothing behind', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('an attempt that never settles still ends at the deadline, and its signal is aborted', async () => {
    let seen: AbortSignal | undefined;
    const t0 = Date.now();
    const e = await retryUntil((_, signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    }, { timeout: 0.2, what: 'a hung call' }).catch((x) => x);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/waiting for a hung call/);
    expect(seen?.aborted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('an outer abort (a dead machine) ends the wait at once with its reason', async () => {
    const outer = new AbortController();
    setTimeout(() => outer.abort(new InfraError('QEMU exited')), 50);
    const e = await retryUntil(async () => { throw new NotYet('booting'); }, { timeout: 10, interval: 0.02, what: 'x', signal: outer.signal }).catch((x) => x);
    expect(e).toBeInstanceOf(InfraError);
  });

  it('the timeout error carries the last attempt\'s detail', async () => {
    const e = await retryUntil(async () => { throw new NotYet('status 1', '  stderr: Network is unreachable'); }, { timeout: 0.1, interval: 0.01, what: 'ping' }).catch((x) => x);
    expect(e.message).toMatch(/last attempt: status 1\n  stderr: Network is unreachable/);
  });

  it('no timer outlives a wait that succeeded, failed or timed out', async () => {
    const before = timers();
    await retryUntil(async () => 1, { timeout: 60, what: 'x' });
    await retryUntil(async () => { throw new RangeError('no'); }, { timeout: 60, what: 'x' }).catch(() => undefined);
    await retryUntil(async () => { throw new NotYet('no'); }, { timeout: 0.05, interval: 0.01, what: 'x' }).catch(() => undefined);
    expect(timers()).toBe(before);
  });
});
