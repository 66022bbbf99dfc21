/**
 * Single-flight with reference-counted waiters: one fetch per block however many readers miss it at once.
 * Each waiter (a reader, or the prefetcher) holds a reference; when the last one goes away before the fetch
 * settles, the fetch is aborted (its AbortSignal fires) and `onAbandon` removes it from the flight table, so a
 * later reader starts a fresh fetch instead of joining an aborted one.
 */
import { abortError } from './errors.js';

export class Flight<T> {
  readonly controller = new AbortController();
  readonly promise: Promise<T>;
  /** True once a reader (not only the prefetcher) waits on it. */
  demanded = false;
  /** The stream whose prefetcher started it, if any. */
  prefetchStream: string | undefined;
  private refs = 0;
  private settled = false;

  constructor(
    run: (flight: Flight<T>) => Promise<T>,
    private readonly onAbandon: () => void,
  ) {
    this.promise = Promise.resolve().then(() => run(this));
    this.promise.then(
      () => {
        this.settled = true;
      },
      () => {
        this.settled = true;
      },
    );
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get waiters(): number {
    return this.refs;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.refs <= 0 && !this.settled && !this.controller.signal.aborted) {
      this.controller.abort(abortError());
      this.onAbandon();
    }
  }

  /** Waits for the result; an abort of `signal` rejects this waiter only and drops its reference. */
  wait(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    this.retain();
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        this.release();
        return true;
      };
      const onAbort = (): void => {
        if (finish()) reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.promise.then(
        (v) => {
          if (finish()) resolve(v);
        },
        (err) => {
          if (finish()) reject(err);
        },
      );
    });
  }
}
