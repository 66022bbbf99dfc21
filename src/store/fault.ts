/**
 * FaultStore: wraps any ObjectStore and injects latency and failures, deterministically from a seed
 * (CONVENTIONS 8: a failing fault test replays). Used by tests and by the cache/log benchmarks.
 *
 * Each operation kind has its own PRNG stream (seed + op), and every call draws the same number of
 * values, so the same seed and the same sequence of calls per op give the same faults.
 * Injected errors happen before the inner call (the request "never arrived"), except `lostAckRate`:
 * the inner call succeeds and the caller still sees STRATA_ERR_STORE_UNREACHABLE (an ambiguous write).
 */
import { StrataError, type ErrorCode } from '../errors.js';
import { sleep } from './retry.js';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult } from './types.js';

export type StoreOp = 'get' | 'put' | 'head' | 'list' | 'delete';
export const STORE_OPS: readonly StoreOp[] = ['get', 'put', 'head', 'list', 'delete'];

type PerOp<T> = T | Partial<Record<StoreOp, T>>;

export interface FaultOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Fixed added latency in ms, for all ops or per op. */
  latencyMs?: PerOp<number>;
  /** Extra uniform random latency in [0, jitterMs). */
  jitterMs?: PerOp<number>;
  /** Probability of an injected 500 (STRATA_ERR_STORE_UNAVAILABLE). */
  errorRate?: PerOp<number>;
  /** Probability of an injected 503 SlowDown (STRATA_ERR_STORE_SLOW_DOWN). */
  slowDownRate?: PerOp<number>;
  /** Probability that a conditional put (ifNoneMatch/ifMatch) fails with STRATA_ERR_PRECONDITION_FAILED. */
  preconditionFailureRate?: number;
  /** Probability that a put is applied but answered with STRATA_ERR_STORE_UNREACHABLE. */
  lostAckRate?: number;
}

/** mulberry32: small, fast, good enough for fault injection; never Math.random. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function perOp(value: PerOp<number> | undefined, op: StoreOp): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : (value[op] ?? 0);
}

export interface FaultCounters {
  calls: Record<StoreOp, number>;
  faults: Record<StoreOp, number>;
}

const zero = (): Record<StoreOp, number> => ({ get: 0, put: 0, head: 0, list: 0, delete: 0 });

export class FaultStore implements ObjectStore {
  readonly kind: string;
  readonly location: string;
  private options: FaultOptions;
  private rngs = new Map<StoreOp, () => number>();
  private offline = false;
  private pending = new Map<StoreOp, ErrorCode[]>();
  private counters: FaultCounters = { calls: zero(), faults: zero() };
  /** Every injected fault, in order: `${op}:${code}` (for determinism checks and debugging). */
  readonly log: string[] = [];

  constructor(
    readonly inner: ObjectStore,
    options: FaultOptions = {},
  ) {
    this.kind = `fault(${inner.kind})`;
    this.location = inner.location;
    this.options = { ...options };
    this.reseed(options.seed ?? 1);
  }

  /** Restarts every PRNG stream from this seed. */
  reseed(seed: number): void {
    STORE_OPS.forEach((op, i) => this.rngs.set(op, mulberry32((seed >>> 0) ^ Math.imul(i + 1, 0x9e3779b1))));
  }

  /** Changes rates/latencies from now on (merged into the current options). */
  configure(options: Partial<FaultOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** While offline every call fails with STRATA_ERR_STORE_UNREACHABLE (without reaching the inner store). */
  setOffline(offline: boolean): void {
    this.offline = offline;
  }

  /** The next `times` calls of `op` fail with `code`. */
  failNext(op: StoreOp, code: ErrorCode = 'STRATA_ERR_STORE_UNAVAILABLE', times = 1): void {
    const q = this.pending.get(op) ?? [];
    for (let i = 0; i < times; i++) q.push(code);
    this.pending.set(op, q);
  }

  get stats(): FaultCounters {
    return { calls: { ...this.counters.calls }, faults: { ...this.counters.faults } };
  }

  resetStats(): void {
    this.counters = { calls: zero(), faults: zero() };
    this.log.length = 0;
  }

  private fault(op: StoreOp, code: ErrorCode, why: string): StrataError {
    this.counters.faults[op]++;
    this.log.push(`${op}:${code}`);
    return new StrataError(code, `injected fault (${why}) on ${op} in ${this.location}`, { details: { injected: true, op } });
  }

  /** Draws this call's random numbers (always 4), sleeps the latency, then throws an injected fault if any. */
  private async before(op: StoreOp, signal: AbortSignal | undefined, conditional = false): Promise<number> {
    this.counters.calls[op]++;
    const rng = this.rngs.get(op)!;
    const [uLatency, uError, uPrecondition, uLost] = [rng(), rng(), rng(), rng()];
    const o = this.options;
    const delay = perOp(o.latencyMs, op) + perOp(o.jitterMs, op) * uLatency;
    if (delay > 0) await sleep(delay, signal);
    if (this.offline) throw this.fault(op, 'STRATA_ERR_STORE_UNREACHABLE', 'offline');
    const next = this.pending.get(op)?.shift();
    if (next) throw this.fault(op, next, 'failNext');
    const errorRate = perOp(o.errorRate, op);
    const slowRate = perOp(o.slowDownRate, op);
    if (uError < errorRate) throw this.fault(op, 'STRATA_ERR_STORE_UNAVAILABLE', '500');
    if (uError < errorRate + slowRate) throw this.fault(op, 'STRATA_ERR_STORE_SLOW_DOWN', '503 SlowDown');
    if (conditional && uPrecondition < (o.preconditionFailureRate ?? 0)) throw this.fault(op, 'STRATA_ERR_PRECONDITION_FAILED', 'precondition');
    return uLost;
  }

  async get(key: string, options?: GetOptions): Promise<GetResult> {
    await this.before('get', options?.signal);
    return this.inner.get(key, options);
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const uLost = await this.before('put', options.signal, options.ifNoneMatch !== undefined || options.ifMatch !== undefined);
    const result = await this.inner.put(key, body, options);
    if (uLost < (this.options.lostAckRate ?? 0)) throw this.fault('put', 'STRATA_ERR_STORE_UNREACHABLE', 'lost ack: the put was applied');
    return result;
  }

  async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
    await this.before('head', options?.signal);
    return this.inner.head(key, options);
  }

  async list(options?: ListOptions): Promise<ListPage> {
    await this.before('list', options?.signal);
    return this.inner.list(options);
  }

  async delete(key: string): Promise<void> {
    await this.before('delete', undefined);
    return this.inner.delete(key);
  }

  async check(): Promise<void> {
    if (this.offline) throw new StrataError('STRATA_ERR_STORE_UNREACHABLE', `injected fault (offline) on check in ${this.location}`);
    return this.inner.check();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
