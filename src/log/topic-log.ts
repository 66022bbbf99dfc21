/**
 * StrataTopicLog: the TopicLog on object storage. Composes the manifest writer (topics, fencing),
 * the WAL writer (sequencer, backpressure), the read path, consumer-group offsets and compaction.
 * openTopicLog() recovers everything from manifest + WAL before returning.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StrataError } from '../errors.js';
import { Keys } from '../store/keys.js';
import type { ObjectStore } from '../store/types.js';
import { Compactor } from './compactor.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './config.js';
import { GroupStore } from './groups.js';
import { ManifestStore } from './manifest.js';
import { ManifestWriter } from './manifest-writer.js';
import { createLogMetrics, type LogMetrics } from './metrics.js';
import type { PartitionState } from './partition.js';
import { decodeBatch, encodeBatch, validateBatch } from './record-batch.js';
import { readPartition, RangeReader, type LogCache } from './reader.js';
import { planReplay, replayWal, takeOver, topicRuntime, type TopicRuntime } from './recovery.js';
import { TopicCatalog } from './topic-catalog.js';
import type { AppendResult, CompressionCodec, GroupOffset, ProducerIdentity, ReadOptions, ReadResult, RecordInput, RecordsResult, TopicConfig, TopicInfo, TopicLog } from './types.js';
import { WalWriter } from './writer.js';

export interface OpenTopicLogOptions {
  store: ObjectStore;
  keys?: Keys;
  cache?: LogCache;
  logger: Logger;
  config?: Partial<LogConfig>;
  metrics?: LogMetrics;
}

export type OpenedTopicLog = TopicLog & {
  close(): Promise<void>;
  /** Runs one compaction + retention pass now (tests, admin). */
  compact(): Promise<void>;
  /** True once another node took over writing. */
  readonly fenced: boolean;
  readonly writerEpoch: number;
};

export async function openTopicLog(options: OpenTopicLogOptions): Promise<OpenedTopicLog> {
  const keys = options.keys ?? new Keys();
  const config = { ...DEFAULT_LOG_CONFIG, ...options.config };
  const logger = options.logger;
  const manifests = new ManifestStore(options.store, keys);
  const writerId = randomUUID();
  const started = Date.now();
  const { taken, previousLeaseMs } = await takeOver(manifests, writerId, logger, config.writerLeaseMs);
  const tookOverAt = performance.now();
  const log = new StrataTopicLog(options, keys, config, manifests, taken);
  // The writer we replaced may still acknowledge on a fence check up to half its lease old: list its WAL only
  // once its whole lease has passed since our manifest exists (ManifestWriter.confirmWritable).
  if (previousLeaseMs > 0) {
    const wait = Math.ceil(tookOverAt + previousLeaseMs - performance.now());
    if (wait > 0) {
      logger.debug({ ms: wait }, 'waiting out the previous writer\'s lease before reading the WAL');
      await delay(wait);
    }
  }
  await log.recover();
  logger.info({ epoch: taken.writerEpoch, manifest: log.mw.current.id, ms: Date.now() - started, topics: log.catalog.size }, 'topic log recovered');
  return log;
}

export class StrataTopicLog implements OpenedTopicLog {
  readonly mw: ManifestWriter;
  readonly catalog: TopicCatalog;
  private readonly writer: WalWriter;
  private readonly reader: RangeReader;
  private readonly groups: GroupStore;
  private readonly compactor: Compactor;
  private readonly metrics: LogMetrics;
  private readonly logger: Logger;
  private readonly store: ObjectStore;
  private closed = false;

  constructor(options: OpenTopicLogOptions, readonly keys: Keys, readonly config: LogConfig, private readonly manifests: ManifestStore, taken: import('./manifest.js').Manifest) {
    this.store = options.store;
    this.logger = options.logger;
    this.metrics = options.metrics ?? createLogMetrics();
    this.mw = new ManifestWriter(manifests, this.logger, taken, (err) => this.onFenced(err));
    this.catalog = new TopicCatalog(this.mw, this.store, keys, this.logger);
    this.reader = new RangeReader(this.store, options.cache, config.tailCacheBytes);
    this.groups = new GroupStore(this.store, keys);
    this.writer = new WalWriter({
      store: this.store,
      keys,
      logger: this.logger,
      metrics: this.metrics,
      epoch: taken.writerEpoch,
      config: { lingerMs: config.walLingerMs, flushBytes: Math.min(config.walFlushBytes, config.walMaxBytes), maxBytes: config.walMaxBytes, maxInflightBytes: config.maxInflightBytes, backpressureTimeoutMs: config.backpressureTimeoutMs },
      checkFence: () => this.mw.confirmWritable(config.writerLeaseMs),
      onDurable: (key, etag, wal) => {
        for (const c of wal.index.chunks) {
          this.catalog.byId(c.topicId)?.parts[c.partition]?.addDurable({ baseOffset: c.baseOffset, lastOffset: c.lastOffset, maxTimestamp: c.maxTimestamp, key, etag, size: wal.body.length, pos: wal.dataStart + c.pos, len: c.len, kind: 'wal', writtenAt: Date.now() });
        }
        this.reader.remember(key, etag, wal.body);
      },
      onFenced: (err) => this.onFenced(err),
    });
    this.compactor = new Compactor({ store: this.store, keys, logger: this.logger, metrics: this.metrics, mw: this.mw, manifests, catalog: this.catalog, reader: this.reader, config, lastDurableWal: () => this.writer.lastDurable });
  }

  get fenced(): boolean {
    return this.mw.fenced !== undefined;
  }

  get writerEpoch(): number {
    return this.mw.current.writerEpoch;
  }

  /** Seals fenced epochs, then rebuilds partitions from manifest + WAL. */
  async recover(): Promise<void> {
    const { seals, replay } = await planReplay(this.store, this.keys, this.mw.current, this.logger);
    // (openTopicLog waited out the earlier writers' leases before this: they are no longer pending)
    if (Object.keys(seals).length > 0 || this.mw.current.pendingLeaseMs !== undefined) {
      await this.mw.update((d) => {
        Object.assign(d.sealed, seals);
        delete d.pendingLeaseMs;
      });
    }
    for (const t of this.mw.current.topics) this.catalog.add(topicRuntime(t));
    const r = await replayWal(this.store, replay, this.catalog.idMap(), this.logger);
    this.logger.info({ walObjects: r.objects, chunks: r.chunks, sealed: seals }, 'WAL replayed');
    this.compactor.start();
  }

  private onFenced(err: StrataError): void {
    if (this.mw.fenced === undefined) this.mw.fenced = err;
    this.metrics.fenced.inc();
    this.logger.error({ err: err.message, epoch: this.writerEpoch }, 'fenced: another node took over writing; this node stops writing');
    this.writer.fail(err);
    this.compactor.stop();
  }

  // topics -------------------------------------------------------------------------------------------
  createTopic(ns: string, name: string, config?: Partial<TopicConfig>): Promise<TopicInfo> {
    return this.catalog.create(ns, name, config);
  }
  async deleteTopic(ns: string, name: string): Promise<void> {
    await this.catalog.delete(ns, name);
  }
  createPartitions(ns: string, name: string, totalCount: number): Promise<TopicInfo> {
    return this.catalog.addPartitions(ns, name, totalCount);
  }
  getTopic(ns: string, name: string): TopicInfo | undefined {
    return this.catalog.info(ns, name);
  }
  listTopics(ns?: string): TopicInfo[] {
    return this.catalog.list(ns);
  }
  listNamespaces(): string[] {
    return this.catalog.namespaces();
  }
  namespaceBytes(ns: string): number {
    let bytes = 0;
    for (const t of this.catalog.all()) {
      if (t.entry.namespace !== ns) continue;
      for (const p of t.parts) for (let i = p.find(p.logStartOffset); i < p.entries.length; i++) bytes += p.entries[i]!.len;
    }
    return bytes;
  }

  // write --------------------------------------------------------------------------------------------
  private writable(ns: string, topic: string, partition: number): { t: TopicRuntime; p: PartitionState } {
    if (this.closed) throw new StrataError('STRATA_ERR_SHUTTING_DOWN');
    if (this.mw.fenced) throw this.mw.fenced;
    const { t, p } = this.catalog.partition(ns, topic, partition);
    return { t, p };
  }

  async append(ns: string, topic: string, partition: number, records: RecordInput[], options: { compression?: CompressionCodec } = {}): Promise<AppendResult> {
    const { t, p } = this.writable(ns, topic, partition);
    const max = t.entry.config.maxMessageBytes;
    for (const r of records) {
      const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.headers ?? []).reduce((s, h) => s + h.key.length + (h.value?.length ?? 0), 0);
      if (size > max) throw new StrataError('STRATA_ERR_RECORD_TOO_LARGE', `record of ${size} bytes exceeds maxMessageBytes ${max} of ${ns}/${topic}`, { details: { size, maxMessageBytes: max } });
    }
    const now = Date.now();
    const batch = await encodeBatch(records, { compression: options.compression, now });
    const maxTs = Math.max(...records.map((r) => r.timestamp ?? now));
    return this.commit(p, batch, records.length, maxTs);
  }

  async appendBatch(ns: string, topic: string, partition: number, batch: Buffer): Promise<AppendResult> {
    const { t, p } = this.writable(ns, topic, partition);
    const h = validateBatch(batch);
    if (batch.length > t.entry.config.maxMessageBytes) throw new StrataError('STRATA_ERR_RECORD_TOO_LARGE', `record batch of ${batch.length} bytes exceeds maxMessageBytes ${t.entry.config.maxMessageBytes}`);
    const count = h.lastOffsetDelta + 1;
    // the caller handed `batch` over (TopicLog contract): kept as is, its base offset rewritten at flush
    if (h.producerId < 0n) return this.commit(p, batch, count, h.maxTimestamp);
    const check = p.producers.check(h.producerId, h.producerEpoch, h.baseSequence, count);
    if (check.kind === 'duplicate') {
      const r = await check.result;
      return { partition, baseOffset: r.baseOffset, lastOffset: r.lastOffset, appendTime: -1, logStartOffset: p.logStartOffset };
    }
    const result = this.commit(p, batch, count, h.maxTimestamp);
    p.producers.record(h.producerId, h.producerEpoch, h.baseSequence, count, result);
    return result;
  }

  private async commit(p: PartitionState, batch: Buffer, records: number, maxTimestamp: number): Promise<AppendResult> {
    const o = await this.writer.append(p, batch, records, maxTimestamp);
    this.metrics.appends.inc();
    this.metrics.appendBytes.inc(batch.length);
    return { partition: p.partition, baseOffset: o.baseOffset, lastOffset: o.lastOffset, appendTime: o.appendTime, logStartOffset: p.logStartOffset };
  }

  async initProducerId(): Promise<ProducerIdentity> {
    let id = 0;
    await this.mw.update((d) => {
      id = d.nextProducerId++;
    });
    return { producerId: BigInt(id), producerEpoch: 0 };
  }

  // read ---------------------------------------------------------------------------------------------
  async read(ns: string, topic: string, partition: number, offset: number, options?: ReadOptions): Promise<ReadResult> {
    const { p } = this.catalog.partition(ns, topic, partition);
    const r = await readPartition(this.reader, p, offset, options);
    this.metrics.readBytes.inc(r.batches.reduce((s, b) => s + b.length, 0));
    return r;
  }

  async readRecords(ns: string, topic: string, partition: number, offset: number, options: ReadOptions & { maxRecords?: number } = {}): Promise<RecordsResult> {
    // Records are views of the batch bytes, which live on here (in HTTP responses, MQTT replays…): the cache
    // blocks are leased only while the batches are copied out, so they can be recycled instead of escaping.
    const r = await this.read(ns, topic, partition, offset, { ...options, lease: true });
    let batches: Buffer[];
    try {
      batches = r.batches.map((b) => Buffer.from(b));
    } finally {
      r.release?.();
    }
    const max = options.maxRecords ?? Infinity;
    const records = [];
    let next = offset;
    outer: for (const b of batches) {
      const { header, records: rs } = await decodeBatch(b, { verifyCrc: false });
      for (const rec of rs) {
        if (rec.offset < offset) continue;
        if (records.length >= max) break outer;
        records.push(rec);
        next = rec.offset + 1;
      }
      if (records.length < max) next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    }
    return { records, nextOffset: next, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
  }

  async offsetForTimestamp(ns: string, topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number } | undefined> {
    const { p } = this.catalog.partition(ns, topic, partition);
    for (const e of p.entries) {
      if (e.maxTimestamp < timestamp || e.lastOffset < p.logStartOffset) continue;
      for (const b of (await readPartition(this.reader, p, Math.max(e.baseOffset, p.logStartOffset), { maxBytes: e.len })).batches) {
        const { records } = await decodeBatch(b, { verifyCrc: false });
        const hit = records.find((r) => r.timestamp >= timestamp && r.offset >= p.logStartOffset);
        if (hit) return { offset: hit.offset, timestamp: hit.timestamp };
      }
    }
    return undefined;
  }

  // groups -------------------------------------------------------------------------------------------
  commitOffsets(ns: string, group: string, offsets: GroupOffset[]): Promise<void> {
    return this.groups.commit(ns, group, offsets);
  }
  fetchOffsets(ns: string, group: string): Promise<GroupOffset[]> {
    return this.groups.fetch(ns, group);
  }
  listGroups(ns: string): Promise<string[]> {
    return this.groups.list(ns);
  }
  deleteGroup(ns: string, group: string): Promise<void> {
    return this.groups.delete(ns, group);
  }

  // lifecycle ----------------------------------------------------------------------------------------
  compact(): Promise<void> {
    return this.compactor.runOnce();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compactor.stopAndWait();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, this.config.closeTimeoutMs)));
    await Promise.race([this.writer.drain().catch(() => undefined), timeout]);
    clearTimeout(timer);
    this.writer.fail(new StrataError('STRATA_ERR_SHUTTING_DOWN'));
    this.catalog.wakeAll();
  }
}
