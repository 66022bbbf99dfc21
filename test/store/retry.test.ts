import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/errors.js';
import { mulberry32 } from '../../src/store/fault.js';
import { backoffDelay, withRetry } from '../../src/store/retry.js';
import { expectCode } from '../support/store-contract.js';

describe('withRetry', () => {
  it('retries retriable errors with capped full-jitter backoff, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const r = await withRetry(
      async () => {
        if (++calls < 4) throw new StrataError('STRATA_ERR_STORE_SLOW_DOWN');
        return 'done';
      },
      { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 5, random: mulberry32(1), onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(r).toBe('done');
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    for (const d of delays) expect(d).toBeLessThan(5);
  });

  it('does not retry non-retriable errors', async () => {
    let calls = 0;
    await expectCode(
      withRetry(async () => {
        calls++;
        throw new StrataError('STRATA_ERR_PRECONDITION_FAILED');
      }),
      'STRATA_ERR_PRECONDITION_FAILED',
    );
    expect(calls).toBe(1);
  });

  it('stops after maxAttempts and records the attempts', async () => {
    let calls = 0;
    try {
      await withRetry(
        async () => {
          calls++;
          throw new StrataError('STRATA_ERR_STORE_UNAVAILABLE', 'down', { details: {} });
        },
        { maxAttempts: 3, baseDelayMs: 1 },
      );
    } catch (err) {
      expect((err as StrataError).details?.attempts).toBe(3);
    }
    expect(calls).toBe(3);
  });

  it('is abortable during the backoff sleep', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 20);
    await expectCode(
      withRetry(async () => {
        throw new StrataError('STRATA_ERR_STORE_UNREACHABLE');
      }, { maxAttempts: 10, baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.99 }, ac.signal),
      'STRATA_ERR_ABORTED',
    );
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('backoff grows exponentially up to the cap', () => {
    const max = (attempt: number): number => backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(max)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, {}, () => 0)).toBe(0);
  });
});
