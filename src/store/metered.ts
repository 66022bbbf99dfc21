/**
 * MeteredStore: reports every call's op, outcome, duration and bytes to a StoreObserver
 * (src/metrics/store.ts turns that into strata_store_* Prometheus metrics). Outcomes are a small fixed set.
 */
import { isStrataError } from '../errors.js';
import type { StoreOp } from './fault.js';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult } from './types.js';

export type StoreOutcome = 'ok' | 'not_found' | 'precondition_failed' | 'invalid_range' | 'aborted' | 'error';

export interface StoreObserver {
  observe(op: StoreOp, outcome: StoreOutcome, seconds: number, bytes: number): void;
}

export function outcomeOf(err: unknown): StoreOutcome {
  if (!isStrataError(err)) return 'error';
  switch (err.code) {
    case 'STRATA_ERR_OBJECT_NOT_FOUND':
      return 'not_found';
    case 'STRATA_ERR_PRECONDITION_FAILED':
      return 'precondition_failed';
    case 'STRATA_ERR_INVALID_RANGE':
      return 'invalid_range';
    case 'STRATA_ERR_ABORTED':
      return 'aborted';
    default:
      return 'error';
  }
}

export class MeteredStore implements ObjectStore {
  readonly kind: string;
  readonly location: string;

  constructor(
    readonly inner: ObjectStore,
    private readonly observer: StoreObserver,
  ) {
    this.kind = inner.kind;
    this.location = inner.location;
  }

  private async run<T>(op: StoreOp, fn: () => Promise<T>, bytes: (r: T) => number): Promise<T> {
    const t0 = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    try {
      const r = await fn();
      this.observer.observe(op, 'ok', seconds(), bytes(r));
      return r;
    } catch (err) {
      this.observer.observe(op, outcomeOf(err), seconds(), 0);
      throw err;
    }
  }

  get(key: string, options?: GetOptions): Promise<GetResult> {
    return this.run('get', () => this.inner.get(key, options), (r) => r.body.length);
  }

  put(key: string, body: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.run('put', () => this.inner.put(key, body, options), () => body.byteLength);
  }

  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
    return this.run('head', () => this.inner.head(key, options), () => 0);
  }

  list(options?: ListOptions): Promise<ListPage> {
    return this.run('list', () => this.inner.list(options), () => 0);
  }

  delete(key: string): Promise<void> {
    return this.run('delete', () => this.inner.delete(key), () => 0);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
