/**
 * TieredCache: memory (byte-bounded LRU) → SSD (byte-bounded directory) → BlockSource (the object store).
 * Objects are cut into fixed-size blocks keyed by key + etag + block number; a read of any range is assembled
 * from blocks. See docs/cache.md for the tiers, settings, metrics and the prefetcher.
 */
import { blockId, blockRef, blocksFor, type BlockRef } from './block.js';
import { BlockPool, PooledBlock } from './block-pool.js';
import { BlockWorker, MIN_OFFLOAD } from './block-worker.js';
import { concatBytes, copyBytes } from './bytes.js';
import { CacheError, abortError } from './errors.js';
import { Flight } from './flight.js';
import { MemoryTier, type MemoryEntry } from './memory-tier.js';
import { Prefetcher, type Outcome } from './prefetcher.js';
import { SsdTier } from './ssd-tier.js';
import type { BlockSource, CacheLogger, CacheStats, HintRange, Lease, ObjectRef, ReadOptions, TieredCacheOptions } from './types.js';

export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;
export const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

type Fetched = { data: Buffer; tier: 'memory' | 'ssd' | 'store'; pooled?: PooledBlock };
/** A block a reader holds: `pooled` (when recyclable) carries this reader's pin. */
type Held = { data: Buffer; pooled?: PooledBlock };

/** The part of block b's data inside [offset, offset+len) of the object. */
function viewOf(data: Buffer, b: BlockRef, offset: number, len: number): Buffer {
  return data.subarray(Math.max(offset, b.offset) - b.offset, Math.min(offset + len, b.offset + b.length) - b.offset);
}

export class TieredCache {
  readonly blockSize: number;
  readonly memoryBytes: number;
  readonly prefetchBytes: number;
  private readonly memory: MemoryTier;
  private ssd: SsdTier | undefined;
  private readonly ssdWriteThrough: boolean;
  private readonly keepUnreadPuts: boolean;
  private readonly opened: Promise<void>;
  private readonly flights = new Map<string, Flight<Fetched>>();
  private readonly streamFlights = new Map<string, Set<Flight<Fetched>>>();
  private readonly prefetcher: Prefetcher | undefined;
  private readonly logger: CacheLogger | undefined;
  private readonly pendingSsdWrites = new Set<Promise<void>>();
  private closed = false;
  private readonly pool: BlockPool;
  private readonly worker: BlockWorker | undefined;
  /** false once the source ignored `into` (it cannot read into a recycled buffer): stop offering one. */
  private offerInto = true;
  private readonly admitAll: boolean;
  /** Blocks fetched once and not written to SSD (second-miss admission), oldest first. */
  private readonly seen = new Set<string>();
  private readonly seenMax: number;
  private readonly c = { hitsMemory: 0, hitsSsd: 0, misses: 0, gets: 0, getBytes: 0, inflightBytes: 0, prefetchInflightBytes: 0, notAdmitted: 0, reused: 0, allocated: 0, unreadPutsKept: 0 };
  private readonly p = { issued: 0, used: 0, wasted: 0, late: 0, unreadBytes: 0 };

  constructor(
    private readonly source: BlockSource,
    options: TieredCacheOptions = {},
  ) {
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    if (!(this.blockSize > 0) || !Number.isInteger(this.blockSize)) throw new RangeError('blockSize must be a positive integer');
    this.logger = options.logger;
    this.memory = new MemoryTier(
      this.memoryBytes,
      (id, entry) => this.onMemoryEvict(id, entry),
      (entry) => entry.pooled && this.pool.evicted(entry.pooled),
    );
    // (blocks smaller than MIN_OFFLOAD are cheaper to read and checksum right here)
    this.worker = options.ssd && options.ssd.worker !== false && this.blockSize >= MIN_OFFLOAD ? new BlockWorker(this.logger) : undefined;
    this.pool = new BlockPool(this.blockSize, Math.max(2, Math.min(16, Math.floor(this.memoryBytes / this.blockSize / 8))), this.worker !== undefined);
    this.admitAll = options.ssd?.admission === 'always';
    this.seenMax = Math.max(1024, Math.ceil((2 * (options.ssd?.bytes ?? 0)) / this.blockSize));
    const pf = options.prefetch ?? {};
    this.prefetchBytes = pf.bytes ?? Math.min(Math.floor(this.memoryBytes / 2), 256 * 1024 * 1024);
    if (pf.enabled !== false) {
      this.prefetcher = new Prefetcher(this.blockSize, pf.initialWindow ?? 2, pf.maxWindow ?? 32, (stream, b) => this.prefetch(stream, b));
    }
    this.ssdWriteThrough = options.ssd?.writeThrough ?? false;
    this.keepUnreadPuts = options.ssd !== undefined && !this.ssdWriteThrough && (options.ssd.keepUnreadPuts ?? true);
    if (options.ssd) {
      const ssd = new SsdTier(options.ssd.dir, options.ssd.bytes, options.ssd.maxPendingWrites ?? 32, this.logger, this.worker);
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
    return parts.length === 0 ? Buffer.alloc(0) : concatBytes(parts);
  }

  /**
   * Like read(), but without assembling: the range as consecutive views of the cached blocks, one per block
   * it touches (empty for an empty range). No byte is copied; treat the views as read-only.
   */
  async readParts(obj: ObjectRef, offset: number, length: number, opts: ReadOptions = {}): Promise<Buffer[]> {
    const { parts, held } = await this.acquire(obj, offset, length, opts);
    for (const p of held) {
      this.pool.escape(p); // these views have no end of life: the buffer is never reused
      this.pool.unpin(p);
    }
    return parts;
  }

  /**
   * Like readParts(), but the views are valid only until `release()`: then the blocks' memory may be reused
   * for other blocks once they are evicted, so a long scan allocates no new buffers (block-pool.ts). Call
   * release() exactly when nothing refers to the parts any more (e.g. after the socket write that sends them);
   * a lease never released only stops its blocks from being reused.
   */
  async readLease(obj: ObjectRef, offset: number, length: number, opts: ReadOptions = {}): Promise<Lease> {
    const { parts, held } = await this.acquire(obj, offset, length, opts);
    return { parts, release: this.unpinOnce(held) };
  }

  /** An idempotent release(): unpins each block once, however often it is called. */
  private unpinOnce(held: PooledBlock[]): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const p of held) this.pool.unpin(p);
    };
  }

  /**
   * Many ranges (of one or many objects) in one call, for batch readers: each distinct block is fetched and
   * pinned once however many ranges touch it, with one promise per block instead of one chain per range.
   * `parts[i]` are range i's views, as readParts() gives them, valid until `release()` (as readLease()).
   */
  async readLeaseMany(ranges: readonly HintRange[], opts: ReadOptions = {}): Promise<{ parts: Buffer[][]; release: () => void }> {
    this.checkOpen(opts);
    const bs = this.blockSize;
    const order: BlockRef[] = []; // distinct blocks, in order of first touch
    const slotOf = new Map<string, number>(); // block id → index in order
    // per ObjectRef (callers usually pass one object for many ranges): block number → index in order, so a block
    // seen before costs no id string
    const known = new Map<ObjectRef, Map<number, number>>();
    const lens = new Array<number>(ranges.length);
    const counts = new Array<number>(ranges.length).fill(0); // blocks each range touches
    const slots = new Array<number>(); // each range's slots, consecutive; range i starts at sum of earlier counts
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      const len = (lens[i] = this.checkedLength(r.obj, r.offset, r.length));
      if (len === 0) continue;
      let m = known.get(r.obj);
      if (!m) known.set(r.obj, (m = new Map()));
      const first = Math.floor(r.offset / bs);
      const last = Math.floor((r.offset + len - 1) / bs);
      counts[i] = last - first + 1;
      for (let b = first; b <= last; b++) {
        let slot = m.get(b);
        if (slot === undefined) {
          const ref = blockRef(r.obj, b, bs);
          slot = slotOf.get(ref.id);
          if (slot === undefined) {
            slot = order.push(ref) - 1;
            slotOf.set(ref.id, slot);
          }
          m.set(b, slot);
        }
        slots.push(slot);
      }
    }
    const got = await this.getBlocks(order, opts);
    let k = 0;
    const parts = ranges.map((r, i) => {
      const views = new Array<Buffer>(counts[i]!);
      for (let j = 0; j < views.length; j++, k++) views[j] = viewOf(got[slots[k]!]!.data, order[slots[k]!]!, r.offset, lens[i]!);
      return views;
    });
    const held: PooledBlock[] = [];
    for (const h of got) if (h.pooled) held.push(h.pooled);
    return { parts, release: this.unpinOnce(held) };
  }

  private checkOpen(opts: ReadOptions): void {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (this.closed) throw new CacheError('STRATA_ERR_ABORTED', 'the cache is closed');
  }

  /** The length of [offset, offset+length) of obj cut at its end; throws for a range outside it. */
  private checkedLength(obj: ObjectRef, offset: number, length: number): number {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset > obj.size) {
      throw new CacheError('STRATA_ERR_INVALID_RANGE', `range ${offset}+${length} is outside ${obj.key} (${obj.size} bytes)`, { key: obj.key });
    }
    return Math.min(length, obj.size - offset);
  }

  /**
   * Every block, each pinned for the caller (when recyclable); tells the prefetcher about the reads, one call per
   * run of blocks of the same object. On failure no pin is left behind.
   */
  private async getBlocks(blocks: BlockRef[], opts: ReadOptions): Promise<Held[]> {
    const pending = blocks.map((b) => this.getBlock(b, opts.signal));
    if (opts.stream !== undefined && this.prefetcher) {
      for (let i = 0; i < blocks.length; ) {
        let j = i + 1;
        while (j < blocks.length && blocks[j]!.obj.key === blocks[i]!.obj.key && blocks[j]!.obj.etag === blocks[i]!.obj.etag) j++;
        this.prefetcher.onRead(opts.stream, blocks[i]!.obj, i === 0 && j === blocks.length ? blocks : blocks.slice(i, j));
        i = j;
      }
    }
    try {
      return await Promise.all(pending);
    } catch (err) {
      // give back the pins of the blocks that did arrive (or will)
      for (const p of pending) p.then((h) => h.pooled && this.pool.unpin(h.pooled), () => {});
      throw err;
    }
  }

  private async acquire(obj: ObjectRef, offset: number, length: number, opts: ReadOptions): Promise<{ parts: Buffer[]; held: PooledBlock[] }> {
    this.checkOpen(opts);
    const len = this.checkedLength(obj, offset, length);
    const blocks = blocksFor(obj, offset, len, this.blockSize);
    const got = await this.getBlocks(blocks, opts);
    const held: PooledBlock[] = [];
    const parts = blocks.map((b, i) => {
      const h = got[i]!;
      if (h.pooled) held.push(h.pooled);
      return viewOf(h.data, b, offset, len);
    });
    return { parts, held };
  }

  /**
   * Write-through: `body` (the whole object obj) is served from memory without a GET. The cache copies it,
   * unless `owned`: then the caller hands the buffer over (it never changes it again) and the blocks are views
   * of it, with nothing copied.
   */
  put(obj: ObjectRef, body: Buffer, opts: { owned?: boolean } = {}): void {
    if (body.length !== obj.size) throw new CacheError('STRATA_ERR_INVALID_RANGE', `put of ${obj.key}: body has ${body.length} bytes, ObjectRef says ${obj.size}`);
    for (const b of blocksFor(obj, 0, obj.size, this.blockSize)) {
      let data: Buffer;
      let pooled: PooledBlock | undefined;
      if (opts.owned) data = body.subarray(b.offset, b.offset + b.length);
      else {
        pooled = b.length === this.blockSize ? this.newPooled(this.pool.take()) : undefined;
        data = pooled ? pooled.buf : Buffer.allocUnsafe(b.length);
        copyBytes(body.subarray(b.offset, b.offset + b.length), data, 0);
      }
      this.dropUnread(this.memory.get(b.id));
      if (this.ssdWriteThrough) this.writeSsd(b.id, data, pooled);
      this.keep(b.id, { data, pooled, unreadPut: this.keepUnreadPuts });
    }
  }

  /**
   * Tells the cache that [offset, offset+length) of obj was read from a copy outside it (the log's tail buffer
   * holds the newest WAL objects too): those blocks count as read, so they are not moved to SSD on eviction
   * (`ssd.keepUnreadPuts`). Their place in the LRU order does not change.
   */
  noteRead(obj: ObjectRef, offset: number, length: number): void {
    if (!this.keepUnreadPuts || length <= 0) return;
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((Math.min(offset + length, obj.size) - 1) / this.blockSize);
    for (let i = first; i <= last; i++) {
      const e = this.memory.peek(blockId(obj, i));
      if (e) this.memory.markRead(e);
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
      ssd: { writeErrors: ssd?.writeErrors ?? 0, readErrors: ssd?.readErrors ?? 0, corrupt: ssd?.corrupt ?? 0, writesSkipped: ssd?.writesSkipped ?? 0, notAdmitted: this.c.notAdmitted, unreadPutsKept: this.c.unreadPutsKept },
      buffers: { reused: this.c.reused, allocated: this.c.allocated, pooled: this.pool.pooled },
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
    await this.worker?.close();
    this.memory.clear();
  }

  /** The block, pinned for the caller when its buffer is recyclable (the caller unpins). */
  private getBlock(b: BlockRef, signal: AbortSignal | undefined): Promise<Held> {
    const e = this.memory.get(b.id);
    if (e) {
      if (e.pooled) this.pool.pin(e.pooled);
      this.c.hitsMemory++;
      this.memory.markRead(e);
      if (e.prefetch && !e.prefetch.read) {
        e.prefetch.read = true;
        this.p.used++;
        this.p.unreadBytes -= e.data.length;
        this.feedback(e.prefetch.stream, 'used');
      }
      return Promise.resolve({ data: e.data, pooled: e.pooled });
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
    // runs in the microtasks that follow the fetch, while the fetch's own pin still holds the buffer
    return f.wait(signal).then((r) => {
      if (r.tier === 'ssd') this.c.hitsSsd++;
      else if (r.tier === 'memory') this.c.hitsMemory++;
      else this.c.misses++;
      if (r.pooled) this.pool.pin(r.pooled);
      return { data: r.data, pooled: r.pooled };
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
      // a full block is read into a recycled buffer, as from the store
      const taken = b.length === this.blockSize ? this.pool.take() : undefined;
      const data = await this.ssd.read(b.id, taken?.buf);
      if (data && data.length === b.length) {
        const pooled = taken && data === taken.buf ? this.fetchedInto(taken) : undefined;
        if (taken && !pooled) this.pool.give(taken.buf);
        this.land(b, data, flight, pooled);
        return { data, tier: 'ssd', pooled };
      }
      if (taken) this.pool.give(taken.buf); // nobody saw it
    }
    if (flight.signal.aborted) throw abortError(flight.signal);
    this.c.gets++;
    // a full block is read into a recycled buffer when the source can (no allocation in a steady scan)
    const taken = this.offerInto && b.length === this.blockSize ? this.pool.take() : undefined;
    const into = taken?.buf;
    let r: { body: Buffer; etag: string };
    try {
      r = await this.source.get(b.obj.key, { range: { offset: b.offset, length: b.length }, ifMatch: b.obj.etag, signal: flight.signal, into });
    } catch (err) {
      if (into) this.pool.give(into); // nobody saw it
      throw err;
    }
    const inInto = into !== undefined && r.body.buffer === into.buffer && r.body.byteOffset === into.byteOffset && r.body.length === into.length;
    if (into && !inInto) {
      this.pool.give(into);
      if (r.body.length === b.length) this.offerInto = false;
    }
    if ((r.etag && r.etag !== b.obj.etag) || r.body.length !== b.length) {
      if (inInto) this.pool.give(into!);
      throw new CacheError('STRATA_ERR_PRECONDITION_FAILED', `${b.obj.key} changed: expected etag ${b.obj.etag} and ${b.length} bytes, got etag ${r.etag} and ${r.body.length} bytes`, { key: b.obj.key });
    }
    this.c.getBytes += r.body.length;
    const pooled = inInto ? this.fetchedInto(taken!) : undefined;
    this.land(b, r.body, flight, pooled);
    if (this.ssd && this.admit(b.id)) this.writeSsd(b.id, r.body, pooled);
    return { data: r.body, tier: 'store', pooled };
  }

  /**
   * A block a fetch read into a pool buffer, with the fetch's own pin: held until every waiter has resumed and
   * taken its pin (they run as microtasks of the fetch's settlement; setImmediate runs after all of them).
   */
  private fetchedInto(taken: { buf: Buffer; reused: boolean }): PooledBlock {
    const pooled = this.newPooled(taken);
    this.pool.pin(pooled);
    setImmediate(() => this.pool.unpin(pooled));
    return pooled;
  }

  private newPooled(taken: { buf: Buffer; reused: boolean }): PooledBlock {
    if (taken.reused) this.c.reused++;
    else this.c.allocated++;
    return new PooledBlock(taken.buf);
  }

  /** Second-miss SSD admission: true the second time a block is fetched within the window. */
  private admit(id: string): boolean {
    if (this.admitAll || this.seen.delete(id)) return true;
    this.seen.add(id);
    if (this.seen.size > this.seenMax) this.seen.delete(this.seen.values().next().value as string);
    this.c.notAdmitted++;
    return false;
  }

  /** Into the memory tier; a recyclable block the tier does not take goes back to the pool when unpinned. */
  private keep(id: string, entry: MemoryEntry): boolean {
    // a block a reader brought in makes room among other such blocks first, while written data nobody has
    // read yet fits in memory less a prefetch window (memory-tier.ts makeRoom; at once a no-op when no block is
    // an unread put, as in a cache that is only read)
    if (!entry.unreadPut) this.memory.makeRoom(entry.data.length, this.memoryBytes - this.prefetchBytes, id);
    const ok = this.memory.set(id, entry);
    if (!ok && entry.pooled) this.pool.evicted(entry.pooled);
    return ok;
  }

  /** Puts a fetched block in memory, flagged unread when only the prefetcher asked for it. */
  private land(b: BlockRef, data: Buffer, flight: Flight<Fetched>, pooled?: PooledBlock): void {
    if (this.closed) {
      if (pooled) this.pool.evicted(pooled);
      return;
    }
    const entry: MemoryEntry = { data, pooled };
    if (flight.prefetchStream !== undefined && !flight.demanded) entry.prefetch = { stream: flight.prefetchStream, read: false };
    if (this.keep(b.id, entry) && entry.prefetch) this.p.unreadBytes += data.length;
  }

  private writeSsd(id: string, data: Buffer, pooled?: PooledBlock): void {
    const ssd = this.ssd;
    if (!ssd) return;
    if (pooled) this.pool.pin(pooled); // the buffer is not reused before the file is written
    // Started on the next turn of the event loop: the reader that waited for this block resumes (and sends
    // its next GET) before the write's CRC32 of the whole block takes the thread.
    const w = this.opened.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => ssd.write(id, data));
    this.pendingSsdWrites.add(w);
    void w.finally(() => {
      this.pendingSsdWrites.delete(w);
      if (pooled) this.pool.unpin(pooled);
    });
  }

  private onMemoryEvict(id: string, entry: MemoryEntry): void {
    // runs before the tier lets go of the buffer (onRemove): writeSsd pins it until the file is written
    if (entry.unreadPut && this.ssd) {
      this.c.unreadPutsKept++;
      this.writeSsd(id, entry.data, entry.pooled);
    }
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

