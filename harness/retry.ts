/**
 * The retry primitive the harness's waits are built on (polling an attempt until it succeeds or a host-side
 * deadline passes), a single deadline over one promise, and a sleep. Times in seconds, as everywhere in the
 * public API.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { WaitTimeoutError, type ErrorContext } from './errors.js';

export interface RetryOptions {
  /** Host-side deadline for the whole wait, in seconds. */
  timeout: number;
  /** First pause between attempts in seconds (grows by 1.5x up to maxInterval). Default 0.25. */
  interval?: number;
  /** Longest pause between attempts in seconds. Default 1. */
  maxInterval?: number;
  /** Says what is being waited for, in the timeout error. */
  what: string;
  /** Adds machine name, serial tail or hint to the timeout error. */
  context?: () => ErrorContext;
  /** Ends the wait at once with the signal's reason (a dead machine, a test Vitest gave up on). */
  signal?: AbortSignal;
}

/**
 * Thrown by an attempt to say "not yet": the wait continues. Any other error ends the wait at once.
 * `detail` (e.g. the last attempt's stdout and stderr) is added to the timeout error's message.
 */
export class NotYet extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

class DeadlineReached extends Error {}

/**
 * Calls `attempt(remainingMs, signal)` until it resolves. Attempts that throw NotYet are retried; any other
 * error (a failed unit, a dead machine) ends the wait immediately. At the deadline the wait ends even while
 * an attempt is still running (its `signal` aborts), and the last NotYet is reported in a WaitTimeoutError.
 * No timer outlives the wait.
 */
export async function retryUntil<T>(attempt: (remainingMs: number, signal: AbortSignal) => Promise<T>, opts: RetryOptions): Promise<T> {
  const start = Date.now();
  const timeoutMs = opts.timeout * 1000;
  const deadline = start + timeoutMs;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DeadlineReached()), Math.max(0, timeoutMs));
  const onOuterAbort = () => ctl.abort(opts.signal!.reason);
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const aborted = new Promise<never>((_, reject) => ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true }));
  aborted.catch(() => undefined);
  let last: NotYet | undefined;
  try {
    return await pRetry(
      async () => {
        ctl.signal.throwIfAborted();
        try {
          return await Promise.race([attempt(Math.max(1, deadline - Date.now()), ctl.signal), aborted]);
        } catch (e) {
          if (e instanceof NotYet) {
            last = e;
            throw e;
          }
          throw new AbortError(e instanceof Error ? e : new Error(String(e)));
        }
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: (opts.interval ?? 0.25) * 1000,
        maxTimeout: (opts.maxInterval ?? 1) * 1000,
        factor: 1.5,
        maxRetryTime: timeoutMs,
        signal: ctl.signal,
        shouldRetry: () => Date.now() < deadline,
      },
    );
  } catch (e) {
    if (!(e instanceof NotYet) && !(e instanceof DeadlineReached)) throw e;
    const ctx = opts.context?.() ?? {};
    const why = last ? `; last attempt: ${last.message.split('\n')[0]}${last.detail ? `\n${last.detail}` : ''}` : '';
    throw new WaitTimeoutError(`timed out after ${opts.timeout.toFixed(1)} s waiting for ${opts.what}${why}`, {
      ...ctx,
      elapsedMs: Date.now() - start,
    });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Waits for a single promise with a host-side deadline (retryUntil with one attempt). */
export function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, opts: RetryOptions): Promise<T> {
  return retryUntil((_, signal) => work(signal), opts);
}

/** Resolves after `seconds` (rejects with the signal's reason when it aborts first; no timer left behind). */
export async function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  await delay(seconds * 1000, undefined, { signal }).catch((e: unknown) => {
    throw signal?.aborted ? signal.reason : e;
  });
}
