/** The one retry primitive every wait is built on: poll an attempt until it succeeds or a host-side deadline passes. */
import pRetry, { AbortError } from 'p-retry';
import { WaitTimeoutError, type ErrorContext } from './errors.js';

export interface RetryOptions {
  /** Host-side deadline for the whole wait, in ms. */
  timeoutMs: number;
  /** First pause between attempts (grows by 1.5x up to maxIntervalMs). Default 250 ms. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Says what is being waited for, in the timeout error. */
  what: string;
  /** Adds machine name and serial tail to the timeout error. */
  context?: () => ErrorContext;
  signal?: AbortSignal;
}

/** Thrown by an attempt to say "not yet": the wait continues. Any other error ends the wait at once. */
export class NotYet extends Error {}

/**
 * Calls `attempt(remainingMs)` until it resolves. Attempts that throw NotYet are retried; any other error
 * (a failed unit, a dead machine) ends the wait immediately. When the deadline passes, the last NotYet's
 * message is reported in a WaitTimeoutError.
 */
export async function retryUntil<T>(attempt: (remainingMs: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const start = Date.now();
  const deadline = start + opts.timeoutMs;
  let last: unknown;
  try {
    return await pRetry(
      async () => {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new AbortError(new DeadlineReached());
        try {
          return await attempt(remaining);
        } catch (e) {
          if (!(e instanceof NotYet)) throw new AbortError(e instanceof Error ? e : new Error(String(e)));
          last = e;
          throw e;
        }
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: opts.intervalMs ?? 250,
        maxTimeout: opts.maxIntervalMs ?? 1000,
        factor: 1.5,
        maxRetryTime: opts.timeoutMs,
        signal: opts.signal,
        shouldRetry: () => Date.now() < deadline,
      },
    );
  } catch (e) {
    if (!(e instanceof NotYet) && !(e instanceof DeadlineReached)) throw e;
    const ctx = opts.context?.() ?? {};
    const why = last instanceof Error ? `; last attempt: ${last.message.split('\n')[0]}` : '';
    throw new WaitTimeoutError(`timed out after ${(opts.timeoutMs / 1000).toFixed(1)} s waiting for ${opts.what}${why}`, {
      ...ctx,
      elapsedMs: Date.now() - start,
    });
  }
}

class DeadlineReached extends Error {}

/** Resolves after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
