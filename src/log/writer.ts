/**
 * The partition writer (design: "Write path"). Appends of every partition are buffered and flushed as
 * one WAL object per linger or size threshold. Linger is a cadence, not a delay: a flush starts once `lingerMs`
 * has passed since the previous flush started, so a trickle of appends costs ≤ 1/linger PUTs per second
 * while an append that arrives after a quiet spell is flushed at once (still batched with the appends of the
 * same event-loop turn) and no append waits more than one linger before its PUT starts. Once `flushBytes`
 * are buffered a flush starts without waiting for the linger (so PUTs/s ≤ max(1/linger, bytes/s ÷ flushBytes)):
 * a producer that keeps only a few requests in flight is not held to one round per linger. While every PUT
 * slot is busy the buffer keeps growing, and a flush takes up to `maxBytes`. Offsets are assigned by this in-process sequencer at flush
 * time (seq and offsets are taken together, synchronously), so WAL order is offset order. Up to 4 PUTs
 * run at once, but a flush is acknowledged only after every earlier one was, its own PUT (ifNoneMatch '*')
 * succeeded AND checkFence() found no newer manifest by another writer (a check made after the PUT, or under
 * the writer lease a recent one: ManifestWriter.confirmWritable).
 * Failed PUTs are retried with backoff until they succeed, the writer is fenced, or it is closed.
 * In-flight bytes are bounded: past maxInflightBytes an append waits up to backpressureTimeoutMs,
 * then fails with STRATA_ERR_BACKPRESSURE (retriable).
 */
import type { Logger } from 'pino';
import { StrataError, isStrataError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import type { ObjectStore } from '../store/types.js';
import type { LogMetrics } from './metrics.js';
import type { PartitionState } from './partition.js';
import { setBaseOffset } from './record-batch.js';
import { encodeWal, type EncodedWal } from './wal-format.js';

export interface WriterConfig {
  lingerMs: number;
  /** A flush starts as soon as this many bytes are buffered (and a PUT slot is free), before the linger ends. */
  flushBytes: number;
  /** Largest WAL object (a single larger append still gets one of its own). */
  maxBytes: number;
  maxInflightBytes: number;
  backpressureTimeoutMs: number;
}

export interface AppendOutcome {
  baseOffset: number;
  lastOffset: number;
  appendTime: number;
}

interface Pending {
  part: PartitionState;
  batch: Buffer;
  records: number;
  maxTimestamp: number;
  resolve(o: AppendOutcome): void;
  reject(e: unknown): void;
}

export interface WriterDeps {
  store: ObjectStore;
  keys: Keys;
  logger: Logger;
  metrics: LogMetrics;
  epoch: number;
  config: WriterConfig;
  /** Throws STRATA_ERR_FENCED when another writer took over (called after each PUT, before acking). */
  checkFence(): Promise<void>;
  /** Called once a WAL object is durable and the fence check passed, before producers are resolved. */
  onDurable(key: string, etag: string, wal: EncodedWal): void;
  /** Called when the writer finds it was fenced. */
  onFenced(err: StrataError): void;
}

/** WAL PUTs in flight at once (pipelining keeps ack latency ≈ linger + one PUT when a PUT is slow). */
const MAX_FLUSHES = 4;

export class WalWriter {
  private buffer: Pending[] = [];
  private bufferBytes = 0;
  /** When the last flush started (0 = never): the next linger-paced flush starts lingerMs after it. */
  private lastFlushAt = 0;
  private inflightBytes = 0;
  private seq = 0;
  /** Seq of the newest durable WAL object of this epoch (-1 = none yet). */
  lastDurable = -1;
  /** Flushes in flight (at most MAX_FLUSHES); each is acknowledged only after every earlier one. */
  private readonly inflight = new Set<Promise<void>>();
  private ackChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: Array<{ bytes: number; go(): void }> = [];
  private failure: StrataError | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: WriterDeps) {}

  get pendingBytes(): number {
    return this.inflightBytes;
  }

  /** Queues one batch (its base offset is rewritten at flush time); resolves once durable. */
  async append(part: PartitionState, batch: Buffer, records: number, maxTimestamp: number): Promise<AppendOutcome> {
    if (this.failure) throw this.failure;
    await this.reserve(batch.length);
    if (this.failure) {
      this.release(batch.length);
      throw this.failure;
    }
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.buffer.push({ part, batch, records, maxTimestamp, resolve, reject });
      this.bufferBytes += batch.length;
      this.schedule();
    });
  }

  /** Flushes everything buffered and waits for it (used by close()). */
  async drain(): Promise<void> {
    while (this.buffer.length > 0 || this.inflight.size > 0) {
      if (this.inflight.size > 0) await Promise.all([...this.inflight]);
      else this.kick(true);
    }
  }

  /** Fails everything pending with `err` and refuses further appends. */
  fail(err: StrataError): void {
    this.failure ??= err;
    clearTimeout(this.timer);
    this.stopping.abort(err);
    for (const p of this.buffer.splice(0)) p.reject(this.failure);
    this.bufferBytes = 0;
    for (const w of this.roomWaiters.splice(0)) w.go();
  }

  private reserve(bytes: number): Promise<void> {
    const { maxInflightBytes, backpressureTimeoutMs } = this.deps.config;
    // A single batch larger than the budget is let through alone (the budget is soft for it).
    if (this.roomWaiters.length === 0 && (this.inflightBytes + bytes <= maxInflightBytes || this.inflightBytes === 0)) {
      this.inflightBytes += bytes;
      return Promise.resolve();
    }
    this.deps.metrics.backpressure.inc();
    return new Promise((resolve, reject) => {
      const waiter = {
        bytes,
        go: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = this.roomWaiters.indexOf(waiter);
        if (i >= 0) this.roomWaiters.splice(i, 1);
        reject(new StrataError('STRATA_ERR_BACKPRESSURE', `more than ${maxInflightBytes} bytes are waiting to be made durable (object store slow or down); retry later`));
        this.admit();
      }, backpressureTimeoutMs);
      this.roomWaiters.push(waiter);
    });
  }

  private release(bytes: number): void {
    this.inflightBytes -= bytes;
    this.admit();
  }

  private admit(): void {
    const max = this.deps.config.maxInflightBytes;
    while (this.roomWaiters.length > 0) {
      const w = this.roomWaiters[0]!;
      if (this.inflightBytes + w.bytes > max && this.inflightBytes > 0) break;
      this.roomWaiters.shift();
      this.inflightBytes += w.bytes;
      w.go();
    }
  }

  private schedule(): void {
    if (this.bufferBytes >= this.deps.config.flushBytes) return this.kick(true);
    if (this.timer || this.inflight.size >= MAX_FLUSHES || this.buffer.length === 0) return;
    const wait = Math.max(0, this.lastFlushAt + this.deps.config.lingerMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick(true);
    }, wait);
  }

  private kick(now: boolean): void {
    if (this.inflight.size >= MAX_FLUSHES || this.buffer.length === 0 || this.failure) return;
    if (!now && this.bufferBytes < this.deps.config.flushBytes && Date.now() < this.lastFlushAt + this.deps.config.lingerMs) return this.schedule();
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.take();
    const f: Promise<void> = this.flush(batch).finally(() => {
      this.inflight.delete(f);
      if (this.buffer.length > 0) this.kick(false);
    });
    this.inflight.add(f);
    if (this.buffer.length > 0) this.schedule();
  }

  /** Takes up to maxBytes from the buffer (at least one append). */
  private take(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.buffer.length && (n === 0 || bytes + this.buffer[n]!.batch.length <= this.deps.config.maxBytes)) bytes += this.buffer[n++]!.batch.length;
    const out = this.buffer.splice(0, n);
    this.bufferBytes -= bytes;
    this.lastFlushAt = Date.now();
    return out;
  }

  private async flush(items: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    // Sequencer: assign offsets in buffer order, grouped into one chunk per partition.
    const chunks = new Map<PartitionState, { data: Buffer[]; base: number; last: number; maxTs: number; records: number; items: Array<[Pending, number, number]> }>();
    for (const it of items) {
      const p = it.part;
      const base = p.nextOffset;
      const last = base + it.records - 1;
      setBaseOffset(it.batch, base);
      p.nextOffset = last + 1;
      let c = chunks.get(p);
      if (!c) chunks.set(p, (c = { data: [], base, last, maxTs: it.maxTimestamp, records: 0, items: [] }));
      c.data.push(it.batch);
      c.last = last;
      c.maxTs = Math.max(c.maxTs, it.maxTimestamp);
      c.records += it.records;
      c.items.push([it, base, last]);
    }
    const seq = this.seq++;
    const wal = encodeWal(
      this.deps.epoch,
      seq,
      Date.now(),
      [...chunks].map(([p, c]) => ({ topicId: p.topicId, ns: p.ns, topic: p.topic, partition: p.partition, baseOffset: c.base, lastOffset: c.last, maxTimestamp: c.maxTs, records: c.records, data: c.data })),
    );
    const key = this.deps.keys.wal(this.deps.epoch, seq);
    const bytes = items.reduce((s, it) => s + it.batch.length, 0);
    // Acknowledge in seq order: wait for the previous flush, whatever its outcome.
    const previous = this.ackChain;
    let done!: () => void;
    this.ackChain = new Promise<void>((r) => (done = r));
    try {
      const etag = await this.putWithRetry(key, wal.body);
      await previous;
      if (this.failure) throw this.failure;
      await this.deps.checkFence();
      this.deps.onDurable(key, etag, wal);
      this.lastDurable = seq;
      const appendTime = Date.now();
      for (const c of chunks.values()) for (const [it, baseOffset, lastOffset] of c.items) it.resolve({ baseOffset, lastOffset, appendTime });
      const m = this.deps.metrics;
      m.walFlushes.inc();
      m.flushBytes.observe(wal.body.length);
      m.flushSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      const e = err instanceof StrataError ? err : new StrataError('STRATA_ERR_INTERNAL', String(err), { cause: err });
      for (const it of items) it.reject(e);
      if (isStrataError(e, 'STRATA_ERR_FENCED')) this.deps.onFenced(e);
      else if (!this.failure) this.fail(e);
    } finally {
      done();
      this.release(bytes);
    }
  }

  private async putWithRetry(key: string, body: Buffer): Promise<string> {
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      if (this.failure) throw this.failure;
      try {
        const { etag } = await this.deps.store.put(key, body, { ifNoneMatch: '*', contentType: 'application/octet-stream', signal: this.stopping.signal });
        if (attempt > 1) this.deps.logger.info({ key, attempt }, 'WAL write succeeded again; the object store is back');
        return etag;
      } catch (err) {
        if (isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED')) {
          // An earlier attempt may have landed (its answer was lost): the object is ours if it holds our bytes.
          // A failed read-back proves nothing (the store may still be flaky): retry rather than fence ourselves.
          const got = await this.deps.store.get(key).catch((e: unknown) => (isStrataError(e, 'STRATA_ERR_OBJECT_NOT_FOUND') ? undefined : null));
          if (got && got.body.equals(body)) return got.etag;
          if (got !== null) throw new StrataError('STRATA_ERR_FENCED', `WAL object ${key} was written by another node`, { cause: err, details: { key } });
        }
        if (this.failure) throw this.failure;
        this.deps.metrics.walRetries.inc();
        if (attempt === 1 || attempt % 20 === 0) this.deps.logger.warn({ key, attempt, err: (err as Error).message }, 'WAL write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }
}
