/**
 * Background compaction and retention (design: "Write path" 4). One pass:
 *  1. picks the WAL position D = newest durable WAL object of this epoch;
 *  2. per partition whose uncompacted WAL data is ≥ SEGMENT_MIN_BYTES or older than 10 compaction
 *     intervals (every partition when forced), copies its WAL chunks up to D into .seg objects (a valid
 *     Kafka log: concatenated RecordBatch v2), at most SEGMENT_MAX_BYTES each, under Keys.segment(…);
 *     the covered position P is D, or just before the oldest WAL object a skipped partition still needs
 *     (so small partitions do not make a tiny segment every pass);
 *  3. applies retention (time, bytes) by dropping whole segments and moving logStartOffset;
 *  4. writes a checkpoint manifest naming the segments, walCovered = P and producer state;
 *  5. only then deletes the covered WAL objects, expired segments and old manifests.
 * The first pass runs one interval after start, so a fenced writer's in-flight PUTs have landed.
 */
import type { Logger } from 'pino';
import { concatBytes } from '../../cache/index.js';
import { isStrataError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import { listAll, type ObjectStore } from '../store/types.js';
import type { LogConfig } from './config.js';
import { walLe, type ManifestStore, type SegmentRef, type SegmentRun, type WalPosition } from './manifest.js';
import type { ManifestWriter } from './manifest-writer.js';
import type { LogMetrics } from './metrics.js';
import { segmentEntries, type IndexEntry, type PartitionState } from './partition.js';
import type { RangeReader } from './reader.js';
import type { TopicCatalog } from './topic-catalog.js';

const SEGMENT_MAX_BYTES = 64 * 1024 * 1024;
const SEGMENT_MIN_BYTES = 4 * 1024 * 1024;
const RUN_BYTES = 1024 * 1024;

export interface CompactorDeps {
  store: ObjectStore;
  keys: Keys;
  logger: Logger;
  metrics: LogMetrics;
  mw: ManifestWriter;
  manifests: ManifestStore;
  catalog: TopicCatalog;
  reader: RangeReader;
  config: LogConfig;
  lastDurableWal(): number;
}

interface PartitionPlan {
  p: PartitionState;
  topicId: string;
  added: SegmentRef[];
  expired: SegmentRef[];
}

export class Compactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly d: CompactorDeps) {}

  start(): void {
    const ms = this.d.config.compactionIntervalMs;
    if (ms <= 0) return;
    this.timer = setInterval(() => {
      if (!this.running) this.runOnce(false).catch((err) => this.d.logger.warn({ err: (err as Error).message }, 'compaction failed; will retry'));
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  async stopAndWait(): Promise<void> {
    this.stop();
    await this.running?.catch(() => undefined);
  }

  /** One pass; `force` compacts every partition regardless of size and age (tests, admin). */
  runOnce(force = true): Promise<void> {
    this.running ??= this.pass(force).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(force: boolean): Promise<void> {
    const { mw, keys, store } = this.d;
    if (mw.fenced) return;
    const durable: WalPosition = { epoch: mw.current.writerEpoch, seq: this.d.lastDurableWal() };
    let target = durable;
    const maxAge = 10 * this.d.config.compactionIntervalMs;
    const now = Date.now();
    const plans: PartitionPlan[] = [];
    let bytes = 0;
    for (const t of this.d.catalog.all()) {
      for (const p of t.parts) {
        const plan: PartitionPlan = { p, topicId: t.entry.id, added: [], expired: [] };
        const wal = p.entries.filter((e) => e.kind === 'wal' && e.baseOffset >= p.segmentEnd && walLe(keys.parseWal(e.key)!, durable));
        const due = force || wal.reduce((s, e) => s + e.len, 0) >= SEGMENT_MIN_BYTES || (wal.length > 0 && now - (wal[0]!.writtenAt ?? 0) >= maxAge);
        if (!due && wal.length > 0) {
          target = minPos(target, before(keys.parseWal(wal[0]!.key)!));
          wal.length = 0;
        }
        for (let i = 0; i < wal.length; ) {
          let size = 0;
          let j = i;
          while (j < wal.length && (j === i || size + wal[j]!.len <= SEGMENT_MAX_BYTES)) size += wal[j++]!.len;
          if (this.stopped || mw.fenced) return;
          plan.added.push(await this.writeSegment(p, wal.slice(i, j)));
          bytes += size;
          i = j;
        }
        plan.expired = this.expired(p, t.entry.config.retentionMs, t.entry.config.retentionBytes, plan.added);
        if (plan.added.length > 0 || plan.expired.length > 0) plans.push(plan);
      }
    }
    if (this.stopped || mw.fenced) return;
    const covered = mw.current.walCovered;
    if (covered && walLe(target, covered)) target = covered; // never moves back (all older data is in segments)
    if (plans.length === 0 && covered && walLe(target, covered)) return; // nothing new to checkpoint
    await mw.update((draft) => {
      for (const plan of plans) {
        const te = draft.topics.find((x) => x.id === plan.topicId);
        if (!te) continue;
        const { p } = plan;
        const gone = new Set(plan.expired.map((s) => s.key));
        const segments = [...p.segments, ...plan.added].filter((s) => !gone.has(s.key));
        const segmentEnd = plan.added.length > 0 ? plan.added[plan.added.length - 1]!.lastOffset + 1 : p.segmentEnd;
        const logStartOffset = plan.expired.length > 0 ? Math.max(p.logStartOffset, plan.expired[plan.expired.length - 1]!.lastOffset + 1) : p.logStartOffset;
        te.partitions[p.partition] = { logStartOffset, segmentEnd, segments, producers: p.producers.snapshot() };
      }
      draft.walCovered = target;
      for (const e of Object.keys(draft.sealed)) if (Number(e) < target.epoch) delete draft.sealed[e];
    });
    // The checkpoint is durable: switch the index over, then delete what it no longer names.
    for (const plan of plans) this.apply(plan);
    let walDeleted = 0;
    for await (const o of listAll(store, { prefix: keys.walPrefix() })) {
      const pos = keys.parseWal(o.key);
      if (!pos || !walLe(pos, target)) continue;
      await store.delete(o.key);
      this.d.reader.forget(o.key);
      walDeleted++;
    }
    for (const plan of plans) for (const s of plan.expired) await store.delete(s.key);
    const keepFrom = mw.current.id - this.d.config.manifestsKept + 1;
    if (keepFrom > 0) await this.d.manifests.deleteBefore(keepFrom);
    this.d.metrics.compactions.inc();
    this.d.metrics.compactedBytes.inc(bytes);
    this.d.logger.debug({ manifest: mw.current.id, segments: plans.reduce((s, p) => s + p.added.length, 0), bytes, walDeleted }, 'compaction checkpoint written');
  }

  private async writeSegment(p: PartitionState, chunks: IndexEntry[]): Promise<SegmentRef> {
    const parts: Buffer[] = [];
    const runs: SegmentRun[] = [];
    let pos = 0;
    for (const e of chunks) {
      const buf = await this.d.reader.read(e);
      parts.push(buf);
      const last = runs[runs.length - 1];
      if (last && last[3] + e.len <= RUN_BYTES) {
        last[1] = e.lastOffset;
        last[3] += e.len;
        last[4] = Math.max(last[4], e.maxTimestamp);
      } else runs.push([e.baseOffset, e.lastOffset, pos, e.len, e.maxTimestamp]);
      pos += e.len;
    }
    const body = concatBytes(parts);
    const key = this.d.keys.segment(p.ns, p.topic, p.partition, chunks[0]!.baseOffset);
    let etag: string;
    try {
      ({ etag } = await this.d.store.put(key, body, { ifNoneMatch: '*', contentType: 'application/octet-stream' }));
    } catch (err) {
      if (!isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED')) throw err;
      // Left over by a compaction whose checkpoint never landed (or a fenced node): not named by any manifest we build on.
      await this.d.mw.checkFence();
      this.d.logger.warn({ key }, 'replacing a segment object no checkpoint names');
      this.d.reader.forget(key);
      ({ etag } = await this.d.store.put(key, body, { contentType: 'application/octet-stream' }));
    }
    const maxTimestamp = Math.max(...chunks.map((c) => c.maxTimestamp));
    return { key, etag, size: body.length, baseOffset: chunks[0]!.baseOffset, lastOffset: chunks[chunks.length - 1]!.lastOffset, maxTimestamp, runs };
  }

  /** Whole segments past retention (Kafka semantics: by newest timestamp; by bytes, oldest first). */
  private expired(p: PartitionState, retentionMs: number | null, retentionBytes: number | null, added: SegmentRef[]): SegmentRef[] {
    const segs = [...p.segments, ...added];
    const out: SegmentRef[] = [];
    const now = Date.now();
    let total = segs.reduce((s, x) => s + x.size, 0) + p.entries.filter((e) => e.kind === 'wal' && e.baseOffset > (added[added.length - 1]?.lastOffset ?? p.segmentEnd - 1)).reduce((s, e) => s + e.len, 0);
    for (const s of segs) {
      const byTime = retentionMs !== null && s.maxTimestamp < now - retentionMs;
      const byBytes = retentionBytes !== null && total - s.size >= retentionBytes;
      if (!byTime && !byBytes) break;
      out.push(s);
      total -= s.size;
    }
    return out;
  }

  private apply(plan: PartitionPlan): void {
    const { p } = plan;
    const gone = new Set(plan.expired.map((s) => s.key));
    p.segments = [...p.segments, ...plan.added].filter((s) => !gone.has(s.key));
    if (plan.added.length > 0) p.segmentEnd = plan.added[plan.added.length - 1]!.lastOffset + 1;
    if (plan.expired.length > 0) p.logStartOffset = Math.max(p.logStartOffset, plan.expired[plan.expired.length - 1]!.lastOffset + 1);
    const tail = p.entries.filter((e) => e.kind === 'wal' && e.baseOffset >= p.segmentEnd);
    p.entries = [...p.segments.flatMap(segmentEntries), ...tail];
  }
}

/** The WAL position just before `pos`. */
function before(pos: WalPosition): WalPosition {
  return pos.seq > 0 ? { epoch: pos.epoch, seq: pos.seq - 1 } : { epoch: pos.epoch - 1, seq: Number.MAX_SAFE_INTEGER };
}

function minPos(a: WalPosition, b: WalPosition): WalPosition {
  return walLe(a, b) ? a : b;
}
