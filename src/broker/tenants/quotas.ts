/**
 * Per-namespace quotas, enforced per node (docs/tenants.md "Quotas"):
 *   maxConnections     MQTT and Kafka connections open at once (counted for every namespace, quota or not)
 *   messagesPerSecond  token bucket of records, capacity one second's worth (burst = the rate)
 *   bytesPerSecond     token bucket of payload bytes, capacity one second's worth
 *   maxStoredBytes     the namespace's log bytes (TopicLog.namespaceBytes), re-read at most once per
 *                      `storedBytesTtlMs` (default 1 s) per namespace, plus what was admitted since
 * Quotas are read from `quotasOf` on every call, so a changed quota takes effect at once (a bucket that
 * shrinks is clamped to its new capacity). A namespace without quotas costs one `quotasOf` lookup.
 *
 * Two admission styles (types.ts): admitProduce refuses without charging (MQTT 5, HTTP), chargeProduce
 * always charges and answers how long to hold the response (Kafka throttle_time_ms).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter } from '../../metrics/registry.js';
import type { Admission, NamespaceQuotas, QuotaEnforcer } from './types.js';

export interface QuotaManagerOptions {
  quotasOf(ns: string): NamespaceQuotas | undefined;
  /** Bytes the namespace holds now (may be costly: called at most once per second per namespace). */
  storedBytes(ns: string): number;
  registry?: Registry;
  logger: Logger;
  /** Monotonic clock in ms (tests inject one). Default performance.now. */
  now?: () => number;
  /** How long a storedBytes() answer is used. Default 1000 ms. */
  storedBytesTtlMs?: number;
  /** Longest Kafka throttle (stays below clients' request timeouts, 30 s by default). Default 10 s. */
  maxThrottleMs?: number;
}

type QuotaName = keyof NamespaceQuotas;

interface Bucket {
  tokens: number;
  at: number;
}

interface NsState {
  connections: number;
  msgs?: Bucket;
  bytes?: Bucket;
  stored?: { value: number; at: number; admitted: number };
  warnedAt: number;
}

const OK: Admission = { ok: true };
const WARN_EVERY_MS = 60_000;
/** Retry hint when a rate quota is 0 (nothing may be produced). */
const ZERO_RATE_RETRY_MS = 1000;

/** Refills a bucket of capacity `rate` (one second's worth) at `rate` per second. */
function refill(b: Bucket | undefined, rate: number, now: number): Bucket {
  if (!b) return { tokens: rate, at: now };
  b.tokens = Math.min(rate, b.tokens + ((now - b.at) * rate) / 1000);
  b.at = now;
  return b;
}

/** ms until `b` holds `need` tokens (need is capped at the capacity, so a big batch waits for a full bucket). */
function waitMs(b: Bucket, rate: number, need: number): number {
  if (rate <= 0) return ZERO_RATE_RETRY_MS;
  const deficit = Math.min(need, rate) - b.tokens;
  return deficit <= 0 ? 0 : Math.max(1, Math.ceil((deficit * 1000) / rate));
}

export class QuotaManager implements QuotaEnforcer {
  private readonly ns = new Map<string, NsState>();
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly maxThrottleMs: number;
  private readonly rejections;
  private readonly throttleSeconds;

  constructor(private readonly o: QuotaManagerOptions) {
    this.now = o.now ?? (() => performance.now());
    this.ttl = o.storedBytesTtlMs ?? 1000;
    this.maxThrottleMs = o.maxThrottleMs ?? 10_000;
    this.rejections = counter({ name: 'strata_quota_rejections_total', help: 'Connections and produce requests refused by a namespace quota', labelNames: ['namespace', 'quota'] }, o.registry);
    this.throttleSeconds = counter({ name: 'strata_quota_throttle_seconds_total', help: 'Time Kafka produce responses were held back by namespace rate quotas', labelNames: ['namespace'] }, o.registry);
  }

  private state(ns: string): NsState {
    let s = this.ns.get(ns);
    if (!s) this.ns.set(ns, (s = { connections: 0, warnedAt: -Infinity }));
    return s;
  }

  openConnection(ns: string): (() => void) | undefined {
    const s = this.state(ns);
    const max = this.o.quotasOf(ns)?.maxConnections;
    if (max !== undefined && s.connections >= max) {
      this.reached(ns, s, 'maxConnections', max);
      return undefined;
    }
    s.connections++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.connections--;
    };
  }

  admitProduce(ns: string, records: number, bytes: number): Admission {
    const q = this.o.quotasOf(ns);
    if (q === undefined || (q.messagesPerSecond === undefined && q.bytesPerSecond === undefined && q.maxStoredBytes === undefined)) return OK;
    const s = this.state(ns);
    const now = this.now();
    if (q.maxStoredBytes !== undefined && this.overStorage(ns, s, q.maxStoredBytes, now)) {
      this.reached(ns, s, 'maxStoredBytes', q.maxStoredBytes);
      return { ok: false, reason: 'storage', quota: 'maxStoredBytes' };
    }
    let wait = 0;
    let quota: 'messagesPerSecond' | 'bytesPerSecond' = 'messagesPerSecond';
    if (q.messagesPerSecond !== undefined) {
      s.msgs = refill(s.msgs, q.messagesPerSecond, now);
      wait = waitMs(s.msgs, q.messagesPerSecond, records);
    }
    if (q.bytesPerSecond !== undefined) {
      s.bytes = refill(s.bytes, q.bytesPerSecond, now);
      const w = waitMs(s.bytes, q.bytesPerSecond, bytes);
      if (w > wait) [wait, quota] = [w, 'bytesPerSecond'];
    }
    if (wait > 0) {
      this.reached(ns, s, quota, q[quota]!);
      return { ok: false, reason: 'rate', retryAfterMs: wait, quota };
    }
    // admitted: charge both (a batch bigger than one second's worth leaves the bucket in debt)
    if (q.messagesPerSecond !== undefined) s.msgs!.tokens -= records;
    if (q.bytesPerSecond !== undefined) s.bytes!.tokens -= bytes;
    if (s.stored) s.stored.admitted += bytes;
    return OK;
  }

  chargeProduce(ns: string, records: number, bytes: number): { throttleMs: number } | { ok: false; reason: 'storage'; quota: 'maxStoredBytes' } {
    const q = this.o.quotasOf(ns);
    if (q === undefined || (q.messagesPerSecond === undefined && q.bytesPerSecond === undefined && q.maxStoredBytes === undefined)) return { throttleMs: 0 };
    const s = this.state(ns);
    const now = this.now();
    if (q.maxStoredBytes !== undefined && this.overStorage(ns, s, q.maxStoredBytes, now)) {
      this.reached(ns, s, 'maxStoredBytes', q.maxStoredBytes);
      return { ok: false, reason: 'storage', quota: 'maxStoredBytes' };
    }
    if (s.stored) s.stored.admitted += bytes;
    let throttleMs = 0;
    let quota: 'messagesPerSecond' | 'bytesPerSecond' = 'messagesPerSecond';
    const charge = (b: Bucket, rate: number, n: number, name: typeof quota): Bucket => {
      // debt is bounded by the longest throttle, so one huge request cannot block a namespace for long
      b.tokens = Math.max(b.tokens - n, -(rate * this.maxThrottleMs) / 1000);
      const ms = rate <= 0 ? this.maxThrottleMs : b.tokens < 0 ? Math.ceil((-b.tokens * 1000) / rate) : 0;
      if (ms > throttleMs) [throttleMs, quota] = [ms, name];
      return b;
    };
    if (q.messagesPerSecond !== undefined) s.msgs = charge(refill(s.msgs, q.messagesPerSecond, now), q.messagesPerSecond, records, 'messagesPerSecond');
    if (q.bytesPerSecond !== undefined) s.bytes = charge(refill(s.bytes, q.bytesPerSecond, now), q.bytesPerSecond, bytes, 'bytesPerSecond');
    throttleMs = Math.min(throttleMs, this.maxThrottleMs);
    if (throttleMs > 0) {
      this.throttleSeconds.inc({ namespace: ns }, throttleMs / 1000);
      this.warnOnce(ns, s, quota, q[quota]!);
    }
    return { throttleMs };
  }

  /** This node's usage of a namespace (for GET /v1/namespaces/{ns}). */
  usage(ns: string): { connections: number; storedBytes?: number } {
    const s = this.ns.get(ns);
    return { connections: s?.connections ?? 0, ...(s?.stored ? { storedBytes: s.stored.value + s.stored.admitted } : {}) };
  }

  private overStorage(ns: string, s: NsState, max: number, now: number): boolean {
    let c = s.stored;
    if (!c || now - c.at >= this.ttl) {
      let value = c?.value ?? 0;
      try {
        value = this.o.storedBytes(ns);
      } catch (err) {
        this.o.logger.warn({ err, namespace: ns }, 'quota: stored bytes of the namespace unknown; using the last value');
      }
      c = s.stored = { value, at: now, admitted: 0 };
    }
    return c.value + c.admitted >= max;
  }

  private reached(ns: string, s: NsState, quota: QuotaName, limit: number): void {
    this.rejections.inc({ namespace: ns, quota });
    this.warnOnce(ns, s, quota, limit);
  }

  /** "quota reached" at warn level, at most once per namespace per minute; details per event are debug. */
  private warnOnce(ns: string, s: NsState, quota: QuotaName, limit: number): void {
    const now = this.now();
    if (now - s.warnedAt < WARN_EVERY_MS) return;
    s.warnedAt = now;
    this.o.logger.warn({ namespace: ns, quota, limit }, 'namespace quota reached (logged at most once a minute per namespace)');
  }
}
