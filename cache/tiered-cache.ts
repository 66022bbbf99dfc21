/**
 * TieredCache: memory (byte-bounded LRU) → SSD (byte-bounded directory) → BlockSource (the object store).
 * Objects are cut into fixed-size blocks keyed by key + etag + block number; a read of any range is assembled
 * from blocks. See docs/cache.md for the tiers, settings, metrics and the prefetcher.
 */
import { blocksFor, type BlockRef } from './block.js';
import { CacheError, abortError } from './errors.js';
import { Flight } from './flight.js';
import { MemoryTier, type MemoryEntry } from './memory-tier.js';
import { Prefetcher, type Outcome } from './prefetcher.js';
import { SsdTier } from './ssd-tier.js';
import type { BlockSource, CacheLogger, CacheStats, HintRange, ObjectRef, ReadOptions, TieredCacheOptions } from './types.js';

export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
export const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

type Fetched = { data: Buffer; tier: 'memory' | 'ssd' | 'store' };

export class TieredCache {
  readonly blockSize: number;
  readonly memoryBytes: number;
  readonly prefetchBytes: number;
  private readonly memory: MemoryTier;
  private ssd: SsdTier | undefined;
  private readonly ssdWriteThrough: boolean;
  private readonly opened: Promise<void>;
  private readonly flights = new Map<string, Flight<Fetched>>();
  private readonly streamFlights = new Map<string, Set<Flight<Fetched>>>();
  private readonly prefetcher: Prefetcher | undefined;
  private readonly logger: CacheLogger | undefined;
  private readonly pendingSsdWrites = new Set<Promise<void>>();
  private closed = false;
  private readonly c = { hitsMemory: 0, hitsSsd: 0, misses: 0, gets: 0, getBytes: 0, inflightBytes: 0, prefetchInflightBytes: 0 };
  private readonly p = { issued: 0, used: 0, wasted: 0, late: 0, unreadBytes: 0 };

  constructor(
    private readonly source: BlockSource,
    options: TieredCacheOptions = {},
  ) {
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    if (!(this.blockSize > 0) || !Number.isInteger(this.blockSize)) throw new RangeError('blockSize must be a positive integer');
    this.logger = options.logger;
    this.memory = new MemoryTier(this.memoryBytes, (_id, entry) => this.onMemoryEvict(entry));
    const pf = options.prefetch ?? {};
    this.prefetchBytes = pf.bytes ?? Math.min(Math.floor(this.memoryBytes / 2), 256 * 1024 * 1024);
    if (pf.enabled !== false) {
      this.prefetcher = new Prefetcher(this.blockSize, pf.initialWindow ?? 2, pf.maxWindow ?? 32, (stream, b) => this.prefetch(stream, b));
    }
    this.ssdWriteThrough = options.ssd?.writeThrough ?? false;
    if (options.ssd) {
      const ssd = new SsdTier(options.ssd.dir, options.ssd.bytes, options.ssd.maxPendingWrites ?? 32, this.logger);
      this.ssd = ssd;
      this.opened = ssd.open().catch((err: unknown) => {
        this.ssd = undefined;
        this.logger?.warn({ code: 'STRATA_ERR_CACHE_DISK_FULL', dir: options.ssd?.dir, err: (err as Error).message }, 'SSD cache tier cannot open its directory; running memory-only');
      });
    } else {
      this.opened = Promise.resolve();
    }
  }

  /** Resolves when the SSD index has been rebuilt from the directory (reads wait for it on their own). */
  ready(): Promise<void> {
    return this.opened;
  }

  /**
   * Bytes [offset, offset+length) of obj; a range running past the end is cut at the end. The result may share
   * memory with the cache: treat it as read-only (copy it before changing it).
   */
  async read(obj: ObjectRef, offset: number, length: number, opts: ReadOptions = {}): Promise<Buffer> {
    const parts = await this.readParts(obj, offset, length, opts);
    // Zero-copy when one block holds the range: the result shares memory with the cache (read-only contract).
    if (parts.length === 1) return parts[0]!;
    return parts.length === 0 ? Buffer.alloc(0) : Buffer.concat(parts);
  }

  /**
   * Like read(), but without assembling: the range as consecutive views of the cached blocks, one per block
   * it touches (empty for an empty range). No byte is copied; treat the views as read-only.
   */
  async readParts(obj: ObjectRef, offset: number, length: number, opts: ReadOptions = {}): Promise<Buffer[]> {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (this.closed) throw new CacheError('STRATA_ERR_ABORTED', 'the cache is closed');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset > obj.size) {
      throw new CacheError('STRATA_ERR_INVALID_RANGE', `range ${offset}+${length} is outside ${obj.key} (${obj.size} bytes)`, { key: obj.key });
    }
    const len = Math.min(length, obj.size - offset);
    const blocks = blocksFor(obj, offset, len, this.blockSize);
    const pending = blocks.map((b) => this.getBlock(b, opts.signal));
    if (opts.stream !== undefined) this.prefetcher?.onRead(opts.stream, obj, blocks);
    const datas = await Promise.all(pending);
    return blocks.map((b, i) => datas[i]!.subarray(Math.max(offset, b.offset) - b.offset, Math.min(offset + len, b.offset + b.length) - b.offset));
  }

  /** Write-through: a copy of `body` (the whole object obj) is served from memory without a GET. */
  put(obj: ObjectRef, body: Buffer): void {
    if (body.length !== obj.size) throw new CacheError('STRATA_ERR_INVALID_RANGE', `put of ${obj.key}: body has ${body.length} bytes, ObjectRef says ${obj.size}`);
    for (const b of blocksFor(obj, 0, obj.size, this.blockSize)) {
      const data = Buffer.from(body.subarray(b.offset, b.offset + b.length));
      this.dropUnread(this.memory.get(b.id));
      this.memory.set(b.id, { data });
      if (this.ssdWriteThrough) this.writeSsd(b.id, data);
    }
  }

  /** Drops every cached block of `key` (any etag) from memory, and the SSD blocks this process knows of. */
  invalidate(key: string): void {
    for (const id of this.memory.idsWithPrefix(`${key}\u0000`)) {
      this.dropUnread(this.memory.get(id));
      this.memory.delete(id);
    }
  }

  hint(stream: string, ranges: HintRange[]): void {
    this.prefetcher?.hint(stream, ranges);
  }

  /** Forgets the stream and aborts its prefetches that no reader waits for. */
  closeStream(stream: string): void {
    this.prefetcher?.close(stream);
    const set = this.streamFlights.get(stream);
    this.streamFlights.delete(stream);
    for (const f of set ?? []) f.release();
  }

  /** Current prefetch window of a stream, in blocks (undefined: unknown stream). */
  prefetchWindow(stream: string): number | undefined {
    return this.prefetcher?.window(stream);
  }

  stats(): CacheStats {
    const ssd = this.ssd;
    return {
      hits: { memory: this.c.hitsMemory, ssd: this.c.hitsSsd },
      misses: this.c.misses,
      gets: this.c.gets,
      getBytes: this.c.getBytes,
      bytes: { memory: this.memory.bytes, ssd: ssd?.bytes ?? 0 },
      blocks: { memory: this.memory.blocks, ssd: ssd?.blocks ?? 0 },
      evictions: { memory: this.memory.evictions, ssd: ssd?.evictions ?? 0 },
      inflight: { blocks: this.flights.size, bytes: this.c.inflightBytes },
      prefetch: { ...this.p },
      ssd: { writeErrors: ssd?.writeErrors ?? 0, readErrors: ssd?.readErrors ?? 0, corrupt: ssd?.corrupt ?? 0, writesSkipped: ssd?.writesSkipped ?? 0 },
    };
  }

  /** Waits until queued SSD writes are on disk (tests, benchmarks, shutdown). */
  async flush(): Promise<void> {
    await this.opened;
    while (this.pendingSsdWrites.size > 0) await Promise.all([...this.pendingSsdWrites]);
    await this.ssd?.settle();
  }

  /** Aborts every fetch, waits for SSD writes, empties memory. */
  async close(): Promise<void> {
    this.closed = true;
    for (const stream of [...this.streamFlights.keys()]) this.closeStream(stream);
    for (const f of this.flights.values()) f.controller.abort(abortError());
    this.flights.clear();
    await this.flush();
    this.memory.clear();
  }

  private getBlock(b: BlockRef, signal: AbortSignal | undefined): Promise<Buffer> {
    const e = this.memory.get(b.id);
    if (e) {
      this.c.hitsMemory++;
      if (e.prefetch && !e.prefetch.read) {
        e.prefetch.read = true;
        this.p.used++;
        this.p.unreadBytes -= e.data.length;
        this.feedback(e.prefetch.stream, 'used');
      }
      return Promise.resolve(e.data);
    }
    let f = this.flights.get(b.id);
    if (f) {
      if (f.prefetchStream !== undefined && !f.demanded) {
        this.p.late++;
        this.feedback(f.prefetchStream, 'late');
      }
    } else {
      f = this.startFlight(b);
    }
    f.demanded = true;
    return f.wait(signal).then((r) => {
      if (r.tier === 'ssd') this.c.hitsSsd++;
      else if (r.tier === 'memory') this.c.hitsMemory++;
      else this.c.misses++;
      return r.data;
    });
  }

  /** Starts a prefetch of b for stream unless it is cached or in flight; false when the budget is spent. */
  private prefetch(stream: string, b: BlockRef): boolean {
    if (this.closed) return false;
    if (this.memory.has(b.id) || this.flights.has(b.id)) return true;
    if (this.c.prefetchInflightBytes + this.p.unreadBytes + b.length > this.prefetchBytes) return false;
    const f = this.startFlight(b, stream);
    this.p.issued++;
    this.c.prefetchInflightBytes += b.length;
    let set = this.streamFlights.get(stream);
    if (!set) this.streamFlights.set(stream, (set = new Set()));
    set.add(f);
    f.retain();
    const done = (): void => {
      this.c.prefetchInflightBytes -= b.length;
      if (this.streamFlights.get(stream)?.delete(f)) f.release();
    };
    f.promise.then(done, done);
    return true;
  }

  private startFlight(b: BlockRef, prefetchStream?: string): Flight<Fetched> {
    const f = new Flight<Fetched>(
      (flight) => this.fetch(b, flight),
      () => {
        if (this.flights.get(b.id) === f) this.flights.delete(b.id);
      },
    );
    f.prefetchStream = prefetchStream;
    this.flights.set(b.id, f);
    this.c.inflightBytes += b.length;
    const done = (): void => {
      this.c.inflightBytes -= b.length;
      if (this.flights.get(b.id) === f) this.flights.delete(b.id);
    };
    f.promise.then(done, done);
    return f;
  }

  private async fetch(b: BlockRef, flight: Flight<Fetched>): Promise<Fetched> {
    await this.opened;
    if (this.ssd?.has(b.id)) {
      const data = await this.ssd.read(b.id);
      if (data && data.length === b.length) {
        this.land(b, data, flight);
        return { data, tier: 'ssd' };
      }
    }
    if (flight.signal.aborted) throw abortError(flight.signal);
    this.c.gets++;
    const r = await this.source.get(b.obj.key, { range: { offset: b.offset, length: b.length }, ifMatch: b.obj.etag, signal: flight.signal });
    if ((r.etag && r.etag !== b.obj.etag) || r.body.length !== b.length) {
      throw new CacheError('STRATA_ERR_PRECONDITION_FAILED', `${b.obj.key} changed: expected etag ${b.obj.etag} and ${b.length} bytes, got etag ${r.etag} and ${r.body.length} bytes`, { key: b.obj.key });
    }
    this.c.getBytes += r.body.length;
    this.land(b, r.body, flight);
    if (this.ssd) this.writeSsd(b.id, r.body);
    return { data: r.body, tier: 'store' };
  }

  /** Puts a fetched block in memory, flagged unread when only the prefetcher asked for it. */
  private land(b: BlockRef, data: Buffer, flight: Flight<Fetched>): void {
    if (this.closed) return;
    const entry: MemoryEntry = { data };
    if (flight.prefetchStream !== undefined && !flight.demanded) entry.prefetch = { stream: flight.prefetchStream, read: false };
    if (this.memory.set(b.id, entry) && entry.prefetch) this.p.unreadBytes += data.length;
  }

  private writeSsd(id: string, data: Buffer): void {
    const ssd = this.ssd;
    if (!ssd) return;
    // Started on the next turn of the event loop: the reader that waited for this block resumes (and sends
    // its next GET) before the write's CRC32 of the whole block takes the thread.
    const w = this.opened.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => ssd.write(id, data));
    this.pendingSsdWrites.add(w);
    void w.finally(() => this.pendingSsdWrites.delete(w));
  }

  private onMemoryEvict(entry: MemoryEntry): void {
    if (entry.prefetch && !entry.prefetch.read) {
      this.p.wasted++;
      this.p.unreadBytes -= entry.data.length;
      this.feedback(entry.prefetch.stream, 'wasted');
    }
  }

  private dropUnread(entry: MemoryEntry | undefined): void {
    if (entry?.prefetch && !entry.prefetch.read) {
      entry.prefetch.read = true;
      this.p.unreadBytes -= entry.data.length;
    }
  }

  private feedback(stream: string, outcome: Outcome): void {
    this.prefetcher?.outcome(stream, outcome);
  }
}

