/**
 * The read path (design: "Read path"): offset → index entries → byte ranges read through the tiered
 * cache (or the store when no cache is configured). The newest WAL objects are also held in a small
 * in-process tail buffer so tail reads never GET, even without a cache. Long-polls wait on the
 * partition until the high watermark moves.
 */
import { concatBytes } from '../../cache/index.js';
import { StrataError, isStrataError } from '../errors.js';
import type { ObjectStore } from '../store/types.js';
import type { IndexEntry, PartitionState } from './partition.js';
import { splitBatches } from './batch-parts.js';
import type { ReadOptions, ReadResult } from './types.js';

/** The part of cache/ TieredCache the log uses. */
export interface LogCache {
  read(obj: { key: string; etag: string; size: number }, offset: number, length: number, opts?: { signal?: AbortSignal; stream?: string }): Promise<Buffer>;
  /** The range as consecutive views of cached blocks, nothing copied (TieredCache.readParts); read() is used without it. */
  readParts?(obj: { key: string; etag: string; size: number }, offset: number, length: number, opts?: { signal?: AbortSignal; stream?: string }): Promise<Buffer[]>;
  /** Like readParts, but valid until release() (TieredCache.readLease): the blocks' buffers can be reused afterwards. */
  readLease?(obj: { key: string; etag: string; size: number }, offset: number, length: number, opts?: { signal?: AbortSignal; stream?: string }): Promise<{ parts: Buffer[]; release(): void }>;
  /** `owned`: the caller never changes `body` again, so the cache may keep it instead of a copy. */
  put?(obj: { key: string; etag: string; size: number }, body: Buffer, opts?: { owned?: boolean }): unknown;
  invalidate?(key: string): unknown;
  /** A range was read from the tail buffer instead (TieredCache.noteRead: fresh data that was read stays off SSD). */
  noteRead?(obj: { key: string; etag: string; size: number }, offset: number, length: number): unknown;
  /** Exact upcoming ranges of a reader stream, fetched ahead (TieredCache.hint). */
  hint?(stream: string, ranges: Array<{ obj: { key: string; etag: string; size: number }; offset: number; length: number }>): unknown;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
/** A sequential reader gets the next max(2 × maxBytes, this) bytes of its partition hinted to the cache. */
const MIN_READ_AHEAD = 4 * 1024 * 1024;

export class RangeReader {
  private readonly recent = new Map<string, { etag: string; body: Buffer }>();
  private recentBytes = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly cache: LogCache | undefined,
    private readonly tailBytes: number,
  ) {}

  /** Remembers a freshly written object (write-through: tail reads then need no GET). */
  remember(key: string, etag: string, body: Buffer): void {
    if (this.cache?.put) {
      // a WAL body never changes once written: the cache keeps it as it is
      Promise.resolve(this.cache.put({ key, etag, size: body.length }, body, { owned: true })).catch(() => undefined);
    }
    this.recent.set(key, { etag, body });
    this.recentBytes += body.length;
    while (this.recentBytes > this.tailBytes && this.recent.size > 1) {
      const [k, v] = this.recent.entries().next().value as [string, { body: Buffer }];
      this.recent.delete(k);
      this.recentBytes -= v.body.length;
    }
  }

  forget(key: string): void {
    const v = this.recent.get(key);
    if (v) {
      this.recent.delete(key);
      this.recentBytes -= v.body.length;
    }
    this.cache?.invalidate?.(key);
  }

  /**
   * Hints the cache with the ranges of `entries` (the index entries a sequential reader asks for next), so
   * a catch-up read crosses from one object into the next without waiting for a GET. Entries already in
   * the tail buffer are skipped; neighbouring entries of one object become one range.
   */
  hint(stream: string, entries: readonly IndexEntry[]): void {
    if (!this.cache?.hint || entries.length === 0) return;
    const ranges: Array<{ obj: { key: string; etag: string; size: number }; offset: number; length: number }> = [];
    for (const e of entries) {
      if (this.recent.get(e.key)?.etag === e.etag) continue;
      const last = ranges[ranges.length - 1];
      if (last && last.obj.key === e.key && last.obj.etag === e.etag && last.offset + last.length === e.pos) last.length += e.len;
      else ranges.push({ obj: { key: e.key, etag: e.etag, size: e.size }, offset: e.pos, length: e.len });
    }
    if (ranges.length > 0) this.cache.hint(stream, ranges);
  }

  async read(e: IndexEntry, signal?: AbortSignal, stream?: string): Promise<Buffer> {
    const parts = await this.readParts(e, signal, stream);
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  }

  /**
   * The bytes of `e` as consecutive pieces: views of the tail buffer or of cache blocks (no copy), or the one
   * buffer a GET returned. A catch-up read of many MiB thus never assembles them into one buffer.
   */
  async readParts(e: IndexEntry, signal?: AbortSignal, stream?: string, leases?: Array<() => void>): Promise<Buffer[]> {
    const hit = this.recent.get(e.key);
    if (hit && hit.etag === e.etag) {
      this.cache?.noteRead?.({ key: e.key, etag: e.etag, size: e.size }, e.pos, e.len);
      return [hit.body.subarray(e.pos, e.pos + e.len)];
    }
    const obj = { key: e.key, etag: e.etag, size: e.size };
    if (leases && this.cache?.readLease) {
      const lease = await this.cache.readLease(obj, e.pos, e.len, { signal, stream });
      leases.push(lease.release);
      return lease.parts;
    }
    if (this.cache?.readParts) return this.cache.readParts(obj, e.pos, e.len, { signal, stream });
    if (this.cache) return [await this.cache.read(obj, e.pos, e.len, { signal, stream })];
    const { body } = await this.store.get(e.key, { range: { offset: e.pos, length: e.len }, ifMatch: e.etag, signal });
    return [body];
  }
}

export function outOfRange(p: PartitionState, offset: number): StrataError {
  return new StrataError('STRATA_ERR_OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${p.logStartOffset}, ${p.highWatermark}] of ${p.ns}/${p.topic}/${p.partition}`, {
    details: { namespace: p.ns, topic: p.topic, partition: p.partition, offset, logStartOffset: p.logStartOffset, highWatermark: p.highWatermark },
  });
}

/** Reads raw batches of one partition starting at `offset`. */
export async function readPartition(reader: RangeReader, p: PartitionState, offset: number, options: ReadOptions = {}): Promise<ReadResult> {
  if (!Number.isSafeInteger(offset) || offset < p.logStartOffset || offset > p.highWatermark) throw outOfRange(p, offset);
  if (offset === p.highWatermark && (options.maxWaitMs ?? 0) > 0) await p.waitFor(offset, options.maxWaitMs!, options.signal);
  if (options.signal?.aborted) throw new StrataError('STRATA_ERR_ABORTED', 'read aborted');
  for (let attempt = 0; ; attempt++) {
    try {
      return await collect(reader, p, Math.max(offset, p.logStartOffset), options);
    } catch (err) {
      // A WAL object removed by compaction (or a segment by retention) under our feet: look up again.
      const moved = isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND') || isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED');
      if (!moved || attempt >= 2) throw err;
    }
  }
}

async function collect(reader: RangeReader, p: PartitionState, offset: number, options: ReadOptions): Promise<ReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const entries = p.entries;
  const stream = `${p.topicId}/${p.partition}`;
  const batches: Buffer[] = [];
  // with options.lease: the releases of the cache leases behind the batches
  const leases: Array<() => void> | undefined = options.lease ? [] : undefined;
  const done = (next: number): ReadResult => {
    readAhead(reader, stream, entries, next, Math.max(2 * maxBytes, MIN_READ_AHEAD));
    const result: ReadResult = { batches, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
    if (leases?.length) result.release = releaseAll(leases);
    return result;
  };
  try {
    let bytes = 0;
    let i = p.find(offset);
    for (; i < entries.length && (batches.length === 0 || bytes < maxBytes); i++) {
      // Coalesce neighbouring entries of one object (segment runs) into one ranged read of up to maxBytes.
      const first = entries[i]!;
      let len = first.len;
      while (i + 1 < entries.length && len < maxBytes) {
        const next = entries[i + 1]!;
        if (next.key !== first.key || next.etag !== first.etag || next.pos !== first.pos + len) break;
        len += next.len;
        i++;
      }
      const range = len === first.len ? first : { ...first, len };
      // Batches are views of the cached blocks; only a batch straddling two blocks is copied.
      for (const { buf, header } of splitBatches(await reader.readParts(range, options.signal, stream, leases))) {
        if (header.baseOffset + header.lastOffsetDelta < offset) continue;
        if (batches.length > 0 && bytes + header.size > maxBytes) return done(i);
        batches.push(buf);
        bytes += header.size;
      }
    }
    return done(i);
  } catch (err) {
    if (leases) releaseAll(leases)();
    throw err;
  }
}

function releaseAll(leases: Array<() => void>): () => void {
  return () => {
    for (const release of leases.splice(0)) release();
  };
}

/** Hints the entries from index `from` on, up to `bytes`, as the reader's next ranges. */
function readAhead(reader: RangeReader, stream: string, entries: readonly IndexEntry[], from: number, bytes: number): void {
  let end = from;
  for (let sum = 0; end < entries.length && sum < bytes; end++) sum += entries[end]!.len;
  reader.hint(stream, entries.slice(from, end));
}
