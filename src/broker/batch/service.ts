/**
 * Batch reads over written topics (TopicLog.readRecords) and mounted topics alike, plus the stateless
 * epoch iterator with exact prefetch of each iterator's upcoming batches through the reader's hint API.
 */
import type { Logger } from 'pino';
import { isStrataError, StrataError } from '../../errors.js';
import type { TopicLog } from '../../log/types.js';
import type { MountRegistry } from '../mounts/registry.js';
import type { Located, Mount } from '../mounts/mount.js';
import type { ObjectRange } from '../mounts/types.js';
import { DEFAULT_SHUFFLE_WINDOW, epochBatch, epochOrder, locateGlobal, planEpoch, totalOf, type EpochParams, type EpochPlan, type PartitionSpan } from './epoch.js';
import type { Permutation } from './permutation.js';
import type { BatchRecord } from './types.js';

export interface BatchServiceDeps {
  log?: TopicLog;
  mounts?: MountRegistry;
  logger?: Logger;
  /** Upcoming batches of an epoch iterator to hint to the cache after each call. Default 2. */
  prefetchBatches?: number;
  /** Parallel record reads of one batch. Default 64. */
  readConcurrency?: number;
}

export interface RangeRead {
  records: BatchRecord[];
  nextOffset: number;
  highWatermark: number;
  /** Present when the values are views of leased cache blocks (readRange with `lease`): call once they are encoded. */
  release?: () => void;
}

export interface EpochRead {
  records: BatchRecord[];
  plan: EpochPlan;
  /** Next batch position, or -1 when the rank's share is done. */
  nextPosition: number;
  /** Global record numbers left out because their mounted source object changed (skipChanged only). */
  skipped: number[];
  /** Present when the values are views of leased cache blocks: call once the records are encoded. */
  release?: () => void;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Records of a mount read per pass of a leased range read, at most (the next pass is sized from the bytes left). */
const RANGE_WAVE = 1024;

/** The global record numbers of one epoch batch and, once a prefetch hint located them (mounts), where they lie. */
interface PlannedBatch {
  globals: number[];
  located?: Promise<Located[]>;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The shuffle of an iterator, as part of its ids: `global`, or `block:<records>x<window>`. */
function shuffleOf(p: EpochParams): string {
  return p.shuffleBlock ? `block:${p.shuffleBlock}x${p.shuffleWindow ?? DEFAULT_SHUFFLE_WINDOW}` : 'global';
}

/** An epoch iterator: its stream plus what gives positions their meaning (batches of this size over n records). */
function iteratorId(stream: string, p: EpochParams, n: number): string {
  return `${stream}\0${p.batchSize}\0${n}`;
}

export class BatchService {
  private readonly perms = new Map<string, Permutation>();
  /** Per iterator (stream, batch size, record count): the batch position up to which (exclusive) it was hinted. */
  private readonly hinted = new Map<string, number>();
  /** Batches computed for a hint and not read yet (batchOf), oldest first, with their located records (mounts). */
  private readonly planned = new Map<string, PlannedBatch>();

  constructor(private readonly deps: BatchServiceDeps) {}

  private mount(ns: string, topic: string): Mount | undefined {
    return this.deps.mounts?.get(ns, topic);
  }

  /** Partitions of a topic with their readable offset spans. */
  spans(ns: string, topic: string): PartitionSpan[] {
    const m = this.mount(ns, topic);
    if (m) return [{ partition: 0, start: 0, end: m.highWatermark }];
    const info = this.deps.log?.getTopic(ns, topic);
    if (!info) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${topic} not found`, { details: { namespace: ns, topic } });
    return info.partitions.map((p) => ({ partition: p.partition, start: p.logStartOffset, end: p.highWatermark }));
  }

  /**
   * Contiguous records from offset, up to maxRecords and (softly, at least one record) maxBytes. With `lease`, the
   * records of a mount may be views of leased cache blocks, read in a few passes of many records each: the caller
   * must call `release()` once it has encoded them. Without, each record is its own read (views that stay valid).
   */
  async readRange(ns: string, topic: string, partition: number, offset: number, maxRecords: number, maxBytes = DEFAULT_MAX_BYTES, lease = false): Promise<RangeRead> {
    const m = this.mount(ns, topic);
    if (m) {
      if (partition !== 0) throw new StrataError('STRATA_ERR_PARTITION_NOT_FOUND', `mounted topic ${ns}/${topic} has only partition 0`);
      const hwm = m.highWatermark;
      if (offset > hwm) throw new StrataError('STRATA_ERR_OFFSET_OUT_OF_RANGE', `offset ${offset} is past the high watermark ${hwm}`, { details: { offset, highWatermark: hwm } });
      if (lease) {
        const leased = await this.readRangeLeased(m, `batch:${ns}/${topic}`, offset, Math.min(hwm, offset + maxRecords), maxBytes);
        if (leased) return { ...leased, highWatermark: hwm };
      }
      const records: BatchRecord[] = [];
      let bytes = 0;
      const limit = Math.min(hwm, offset + maxRecords);
      for (let o = offset; o < limit; ) {
        // read ahead in small parallel waves, stop at the byte budget
        const wave = Array.from({ length: Math.min(32, limit - o) }, (_, i) => o + i);
        const got = await Promise.all(wave.map((w) => m.readOne(w, `batch:${ns}/${topic}`)));
        for (const r of got) {
          if (records.length > 0 && bytes + r.value.length > maxBytes) return { records, nextOffset: r.offset, highWatermark: hwm };
          records.push({ partition: 0, ...r });
          bytes += r.value.length + (r.key?.length ?? 0);
        }
        o += wave.length;
      }
      return { records, nextOffset: offset + records.length, highWatermark: hwm };
    }
    const log = this.deps.log;
    const info = log?.getTopic(ns, topic);
    if (!log || !info) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${topic} not found`, { details: { namespace: ns, topic } });
    if (!info.partitions.some((x) => x.partition === partition)) throw new StrataError('STRATA_ERR_PARTITION_NOT_FOUND', `topic ${ns}/${topic} has no partition ${partition}`);
    const r = await log.readRecords(ns, topic, partition, offset, { maxBytes, maxRecords });
    const records = r.records.slice(0, maxRecords).map((s) => ({ partition, offset: s.offset, timestamp: s.timestamp, key: s.key, value: s.value }));
    const nextOffset = records.length ? records[records.length - 1]!.offset + 1 : r.nextOffset;
    return { records, nextOffset, highWatermark: r.highWatermark };
  }

  /**
   * readRange of a mount through Mount.readMany: passes of up to RANGE_WAVE records, each sized from the average
   * record so far to what the byte budget has left. Undefined when the first pass cannot be leased (the caller
   * reads record by record, which names a failing record).
   */
  private async readRangeLeased(m: Mount, stream: string, offset: number, limit: number, maxBytes: number): Promise<Omit<RangeRead, 'highWatermark'> | undefined> {
    const records: BatchRecord[] = [];
    const releases: Array<() => void> = [];
    const release = (): void => {
      for (const r of releases.splice(0)) r();
    };
    let bytes = 0;
    let o = offset;
    try {
      while (o < limit) {
        const avg = records.length > 0 ? Math.max(1, bytes / records.length) : 0;
        const n = Math.min(limit - o, RANGE_WAVE, avg > 0 ? Math.max(1, Math.ceil((maxBytes - bytes) / avg)) : 32);
        const many = await m.readMany(
          Array.from({ length: n }, (_, i) => o + i),
          stream,
        ).catch(() => undefined);
        if (!many) {
          if (records.length === 0) return undefined;
          break; // what was read so far is a valid answer; the next call starts where it stopped
        }
        releases.push(many.release);
        for (const r of many.records) {
          const size = r.value.length + (r.key?.length ?? 0);
          if (records.length > 0 && bytes + size > maxBytes) return { records, nextOffset: r.offset, release };
          records.push({ partition: 0, ...r });
          bytes += size;
        }
        o += many.records.length;
      }
    } catch (err) {
      release();
      throw err;
    }
    return { records, nextOffset: o, release };
  }

  private permutation(total: number, p: EpochParams): Permutation {
    const id = `${total}\0${p.seed}\0${p.epoch}\0${shuffleOf(p)}`;
    let perm = this.perms.get(id);
    if (!perm) {
      perm = epochOrder(total, p);
      if (this.perms.size > 64) this.perms.clear();
      this.perms.set(id, perm);
    }
    return perm;
  }

  /**
   * Batch `position` of the rank's share of the epoch. `total` pins the record count the order was built
   * on (pass back the X-Strata-Epoch-Records of the first call so a growing mount keeps the same order);
   * default: the topic's current count.
   */
  async epochBatch(ns: string, topic: string, p: EpochParams, position: number, total?: number, skipChanged = false): Promise<EpochRead> {
    const spans = this.spans(ns, topic);
    const available = totalOf(spans);
    const n = total ?? available;
    if (n > available) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `records=${n} exceeds the ${available} records the topic holds`);
    const plan = planEpoch(n, p);
    const perm = this.permutation(n, p);
    const stream = `epoch:${ns}/${topic}/${p.seed}/${p.epoch}/${p.rank}/${p.worldSize}/${shuffleOf(p)}`;
    const { globals, located } = this.batchOf(stream, n, p, position, perm);
    const nextPosition = position + 1 < plan.batches ? position + 1 : -1;
    const m = this.mount(ns, topic);
    if (m) {
      // a mount holds one partition: global record number = offset
      const many = await m.readMany(globals, stream, located).catch((err: unknown) => {
        this.deps.logger?.debug({ err, ns, topic }, 'batch read of a mount failed; reading record by record');
        return undefined;
      });
      if (many) {
        if (nextPosition >= 0) this.prefetch(ns, topic, spans, p, n, nextPosition, perm, stream);
        return { records: many.records.map((r) => ({ partition: 0, ...r })), plan, nextPosition, skipped: [], release: many.release };
      }
    }
    const skipped: number[] = [];
    const read = await mapLimit(globals, this.deps.readConcurrency ?? 64, (g) =>
      this.readGlobal(ns, topic, spans, g, stream).catch((err: unknown) => {
        if (!skipChanged || !isStrataError(err, 'STRATA_ERR_MOUNT_SOURCE_CHANGED')) throw err;
        skipped.push(g);
        this.deps.logger?.warn({ ns, topic, record: g, reason: err.message }, 'epoch batch skipped a record whose source changed');
        return undefined;
      }),
    );
    const records = read.filter((r): r is BatchRecord => r !== undefined);
    if (nextPosition >= 0) this.prefetch(ns, topic, spans, p, n, nextPosition, perm, stream);
    return { records, plan, nextPosition, skipped };
  }

  private async readGlobal(ns: string, topic: string, spans: PartitionSpan[], g: number, stream: string): Promise<BatchRecord> {
    const { partition, offset } = locateGlobal(spans, g);
    const m = this.mount(ns, topic);
    if (m) return { partition, ...(await m.readOne(offset, stream)) };
    const r = await this.deps.log!.readRecords(ns, topic, partition, offset, { maxRecords: 1, maxBytes: 1 });
    const s = r.records[0];
    if (!s || s.offset !== offset) throw new StrataError('STRATA_ERR_OFFSET_OUT_OF_RANGE', `record ${partition}/${offset} of ${ns}/${topic} is gone`, { details: { partition, offset } });
    return { partition, offset, timestamp: s.timestamp, key: s.key, value: s.value };
  }

  /**
   * Global record numbers of batch `position` of an iterator. Those computed for a prefetch hint are kept until
   * the batch is read (a few per active iterator), so each batch's positions are computed once.
   */
  private batchOf(stream: string, n: number, p: EpochParams, position: number, perm: Permutation, forHint = false): PlannedBatch {
    const id = `${iteratorId(stream, p, n)}\0${position}`;
    const kept = this.planned.get(id);
    if (kept) {
      if (!forHint) this.planned.delete(id);
      return kept;
    }
    const batch: PlannedBatch = { globals: epochBatch(n, p, position, perm) };
    if (forHint) {
      if (this.planned.size >= 256) this.planned.delete(this.planned.keys().next().value!);
      this.planned.set(id, batch);
    }
    return batch;
  }

  /**
   * Hints the exact byte ranges of the next batches of this iterator (mounts with a caching reader). Batches
   * already hinted to the stream (by the call for the previous position) are not hinted again.
   */
  private prefetch(ns: string, topic: string, spans: PartitionSpan[], p: EpochParams, n: number, from: number, perm: Permutation, stream: string): void {
    const m = this.mount(ns, topic);
    if (!m?.reader.hint) return;
    const plan = planEpoch(n, p);
    const upto = Math.min(plan.batches, from + (this.deps.prefetchBatches ?? 2));
    const iterator = iteratorId(stream, p, n);
    const done = this.hinted.get(iterator);
    // requests of one iterator overlap (clients fetch a few positions ahead), so `done` may be a little past
    // `upto`; a jump (resume, rewind) starts over
    const start = done !== undefined && done >= from && done <= upto + 8 ? Math.min(done, upto) : from;
    if (start >= upto) return;
    this.hinted.delete(iterator); // re-inserted last: the map keeps the most recently used iterators
    if (this.hinted.size >= 1024) this.hinted.delete(this.hinted.keys().next().value!);
    this.hinted.set(iterator, upto);
    // each batch is located once: for its hint here, and again by its read only if this failed
    const located: Promise<Located[]>[] = [];
    for (let q = start; q < upto; q++) {
      const batch = this.batchOf(stream, n, p, q, perm, true);
      located.push((batch.located ??= m.locateMany(batch.globals.map((g) => locateGlobal(spans, g).offset))));
    }
    void Promise.all(located)
      .then((batches) => m.reader.hint!(stream, batches.flatMap((b) => b.map((l): ObjectRange => l.range))))
      .catch((err: unknown) => this.deps.logger?.debug({ err, ns, topic }, 'epoch prefetch hint failed'));
  }
}
