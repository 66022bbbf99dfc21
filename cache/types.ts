/**
 * The narrow interfaces the cache needs from the outside world. `src/store`'s ObjectStore satisfies
 * BlockSource structurally; the cache never imports from src/ (checked by cache/boundary.test.ts).
 */

export interface BlockSource {
  get(
    key: string,
    /** `into`: a recycled block buffer the source may read the body into (body then a view of it); optional to honour. */
    opts: { range?: { offset: number; length?: number }; ifMatch?: string; signal?: AbortSignal; into?: Buffer },
  ): Promise<{ body: Buffer; etag: string; size: number }>;
  head(key: string): Promise<{ size: number; etag: string } | undefined>;
}

/** One version of one object: the etag is part of every cache key, so a new version never meets old blocks. */
export interface ObjectRef {
  key: string;
  etag: string;
  size: number;
}

/** pino-compatible subset (a pino Logger is assignable to it). */
export interface CacheLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SsdOptions {
  /** Directory owned by the cache (created if missing). Files: `<sha256>.blk`, temp files `*.tmp`. */
  dir: string;
  /** Byte budget of the directory (headers included). */
  bytes: number;
  /** Also write blocks given to put() (write-through) to SSD. Default false: fresh data goes to memory only. */
  writeThrough?: boolean;
  /**
   * A block given to put() that nobody read while it was in memory is written to SSD when memory evicts it
   * (default true): a reader that fell behind by more than the memory tier (a consumer catching up) reads it
   * from local disk instead of the object store, while readers that keep up cost no disk writes.
   */
  keepUnreadPuts?: boolean;
  /** Most SSD writes queued at once; further writes are skipped (counted), so the queue never holds much memory. Default 32 (their buffers are shared with the memory tier, not copies). */
  maxPendingWrites?: number;
  /**
   * Which blocks fetched from the store are written to SSD. 'second-miss' (default): a block is written the
   * second time it is fetched within the admission window (the last ~2× the SSD budget of distinct blocks),
   * so a one-pass scan (a catch-up read, a bulk export) costs no SSD writes and does not push out blocks that
   * are read again; what is re-read lands on SSD from its second read on (CacheLib's reject-first policy).
   * 'always': every fetched block is written (one pass warms SSD; each cold block costs a file write).
   */
  admission?: 'second-miss' | 'always';
  /**
   * Read SSD block files and compute their CRC32s (on read and on write) in a worker thread instead of on the
   * event loop. Default true. Applies to full blocks, which then live in SharedArrayBuffers so the worker
   * works in place; about 1 ms of CPU per 4 MiB block and three libuv round trips per read leave the event
   * loop. false: everything on the event loop (and libuv's pool).
   */
  worker?: boolean;
}

export interface PrefetchOptions {
  /** Default true. false = no pattern detection; hint() is still accepted but ignored. */
  enabled?: boolean;
  /** Bytes of prefetched data (in flight + landed but not yet read), all streams together. Default min(memoryBytes/2, 256 MiB). */
  bytes?: number;
  /** Window in blocks when a pattern is first seen. Default 2. */
  initialWindow?: number;
  /** Largest window in blocks. Default 32. */
  maxWindow?: number;
}

export interface TieredCacheOptions {
  /** Block size in bytes. Default 4 MiB. */
  blockSize?: number;
  /** Memory tier budget in bytes. Default 256 MiB. */
  memoryBytes?: number;
  /** SSD tier; omitted = memory only. */
  ssd?: SsdOptions;
  logger?: CacheLogger;
  prefetch?: PrefetchOptions;
}

/** A read whose views stay valid until release() (TieredCache.readLease). */
export interface Lease {
  /** The range as consecutive views of cached blocks (nothing copied). Valid until release(). */
  parts: Buffer[];
  /** Hands the blocks back: their memory may be reused for other blocks once evicted. Idempotent. */
  release(): void;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Identifies a reader stream (consumer × partition, dataset iterator) for the prefetcher. */
  stream?: string;
}

export interface HintRange {
  obj: ObjectRef;
  offset: number;
  length: number;
}

export type Tier = 'memory' | 'ssd';

export interface CacheStats {
  /** Block lookups served by each tier. */
  hits: Record<Tier, number>;
  /** Block lookups by readers that no tier held (served by a GET, possibly shared with other readers). */
  misses: number;
  /** GETs sent to the source and bytes they returned. */
  gets: number;
  getBytes: number;
  /** Bytes held now (SSD: file sizes, headers included). */
  bytes: Record<Tier, number>;
  blocks: Record<Tier, number>;
  /** Blocks evicted to stay within budget. */
  evictions: Record<Tier, number>;
  /** Blocks being fetched now and their bytes. */
  inflight: { blocks: number; bytes: number };
  prefetch: { issued: number; used: number; wasted: number; late: number; unreadBytes: number };
  ssd: { writeErrors: number; readErrors: number; corrupt: number; writesSkipped: number; notAdmitted: number; unreadPutsKept: number };
  /** Block buffers: reused from the pool (no allocation) vs newly allocated, and how many wait in the pool now. */
  buffers: { reused: number; allocated: number; pooled: number };
}
