/**
 * In-memory state of one partition: the offset index (offset → object, etag, byte range) over WAL
 * chunks and segment runs, the high watermark, the sequencer's next offset, long-poll waiters and
 * idempotent producer state.
 */
import type { PartitionCheckpoint, SegmentRef } from './manifest.js';
import { ProducerStates } from './producer-state.js';

export interface IndexEntry {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  key: string;
  etag: string;
  /** Size of the whole object (the cache needs it). */
  size: number;
  pos: number;
  len: number;
  /** 'wal' entries are replaced by 'seg' entries when compaction checkpoints. */
  kind: 'wal' | 'seg';
  /** When the WAL object was written (ms); compaction uses it to bound how long data stays in the WAL. */
  writtenAt?: number;
}

export class PartitionState {
  entries: IndexEntry[] = [];
  logStartOffset = 0;
  /** One past the last durable offset. */
  highWatermark = 0;
  /** The sequencer's next offset (≥ highWatermark; ahead while a flush is in flight). */
  nextOffset = 0;
  segments: SegmentRef[] = [];
  /** One past the last offset held by segments. */
  segmentEnd = 0;
  producers = new ProducerStates();
  private waiters = new Set<(force: boolean) => void>();

  constructor(
    readonly topicId: string,
    readonly ns: string,
    readonly topic: string,
    readonly partition: number,
  ) {}

  static fromCheckpoint(topicId: string, ns: string, topic: string, partition: number, cp: PartitionCheckpoint | undefined): PartitionState {
    const p = new PartitionState(topicId, ns, topic, partition);
    if (!cp) return p;
    p.logStartOffset = cp.logStartOffset;
    p.segments = cp.segments.slice();
    p.segmentEnd = cp.segmentEnd;
    p.highWatermark = p.nextOffset = Math.max(cp.segmentEnd, cp.logStartOffset);
    p.producers = ProducerStates.fromCheckpoint(cp.producers);
    for (const s of cp.segments) p.entries.push(...segmentEntries(s));
    return p;
  }

  /** Adds durable entries (in offset order) and wakes long-polls. */
  addDurable(entry: IndexEntry): void {
    if (entry.lastOffset < this.highWatermark) return; // already held (e.g. replayed WAL data covered by a segment)
    this.entries.push(entry);
    this.highWatermark = entry.lastOffset + 1;
    if (this.nextOffset < this.highWatermark) this.nextOffset = this.highWatermark;
    this.wake();
  }

  /** Index of the first entry whose lastOffset ≥ offset (entries are sorted and contiguous). */
  find(offset: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Resolves when the high watermark passes `offset`, after `ms`, or on abort (never rejects). */
  waitFor(offset: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.highWatermark > offset || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const check = (force: boolean): void => {
        if (force || this.highWatermark > offset) done();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(check);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter (new data, deletion, shutdown). */
  wake(all = false): void {
    for (const w of [...this.waiters]) w(all);
  }

  checkpoint(): PartitionCheckpoint {
    return { logStartOffset: this.logStartOffset, segmentEnd: this.segmentEnd, segments: this.segments, producers: this.producers.snapshot() };
  }
}

export function segmentEntries(s: SegmentRef): IndexEntry[] {
  return s.runs.map(([baseOffset, lastOffset, pos, len, maxTimestamp]) => ({ baseOffset, lastOffset, maxTimestamp, key: s.key, etag: s.etag, size: s.size, pos, len, kind: 'seg' as const }));
}
