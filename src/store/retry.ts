/**
 * The one retry policy of the object store: exponential backoff with full jitter
 * (delay = random(0, min(maxDelay, base * 2^(attempt-1)))), only for retriable StrataErrors
 * (unreachable, 5xx, SlowDown), abortable. The AWS SDK's own retries are turned off (maxAttempts 1)
 * so this is the only policy.
 */
import { isStrataError, StrataError, toStrataError } from '../errors.js';

export interface RetryOptions {
  /** Total attempts including the first (default 5; 1 = no retry). */
  maxAttempts?: number;
  /** Backoff base in ms (default 50). */
  baseDelayMs?: number;
  /** Cap of one backoff in ms (default 5000). */
  maxDelayMs?: number;
  /** Random source in [0, 1) for the jitter; inject a seeded one for deterministic tests. */
  random?: () => number;
  /** Called before each backoff sleep. */
  onRetry?: (err: StrataError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'onRetry' | 'random'>> = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 5000 };

export function isRetriable(err: unknown): boolean {
  return isStrataError(err) && err.retriable && err.code !== 'STRATA_ERR_ABORTED';
}

export function backoffDelay(attempt: number, options: RetryOptions, random: () => number): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  return Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
}

export function abortedError(signal: AbortSignal): StrataError {
  return new StrataError('STRATA_ERR_ABORTED', 'the object store operation was aborted', { cause: signal.reason });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs fn until it succeeds, fails with a non-retriable error, or runs out of attempts.
 * fn gets the attempt number (1-based). Errors are converted to StrataErrors.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}, signal?: AbortSignal): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal);
    try {
      return await fn(attempt);
    } catch (raw) {
      const err = toStrataError(raw);
      if (signal?.aborted) throw abortedError(signal);
      if (!isRetriable(err) || attempt >= maxAttempts) {
        if (attempt > 1 && err.details) err.details.attempts = attempt;
        throw err;
      }
      const delay = backoffDelay(attempt, options, random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
