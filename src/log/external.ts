/**
 * External read-only topics in the one TopicLog every frontend uses: mounted buckets (src/broker/mounts)
 * appear as ordinary one-partition topics, so `GET …/topics`, the HTTP records endpoint, Kafka Metadata,
 * ListOffsets and Fetch all serve them (design: "Mounted buckets"). The wrapper delegates everything else to
 * the real log; writes to an external topic fail with STRATA_ERR_READ_ONLY_TOPIC. Fetch gets RecordBatch v2
 * built from the records on the fly (uncompressed, one batch per read, base offset = the first record's).
 */
import { createHash } from 'node:crypto';
import { StrataError } from '../errors.js';
import { DEFAULT_TOPIC_CONFIG } from './config.js';
import { encodeBatch, setBaseOffset } from './record-batch.js';
import type { AppendResult, GroupOffset, ProducerIdentity, ReadOptions, ReadResult, RecordInput, RecordsResult, StoredRecord, TopicConfig, TopicInfo, TopicLog } from './types.js';

export interface ExternalTopic {
  namespace: string;
  name: string;
  createdAt: number;
  /** One past the last readable offset (partition 0 only). */
  highWatermark(): number;
  /** Records from `offset` on: at most `maxRecords`, and (softly, at least one) about `maxBytes`. */
  read(offset: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]>;
  /** First offset whose timestamp ≥ ts (Kafka ListOffsets by time), when the source can tell. */
  offsetForTimestamp?(timestamp: number): Promise<{ offset: number; timestamp: number } | undefined>;
}

export interface ExternalTopicSource {
  get(ns: string, topic: string): ExternalTopic | undefined;
  list(ns?: string): ExternalTopic[];
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const POLL_MS = 200;

function topicId(t: ExternalTopic): string {
  const h = createHash('sha256').update(`external\0${t.namespace}\0${t.name}\0${t.createdAt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function externalInfo(t: ExternalTopic): TopicInfo {
  const config: TopicConfig = { ...DEFAULT_TOPIC_CONFIG, partitions: 1 };
  return { namespace: t.namespace, name: t.name, id: topicId(t), config, createdAt: t.createdAt, readOnly: true, partitions: [{ partition: 0, logStartOffset: 0, highWatermark: t.highWatermark() }] };
}

const readOnly = (ns: string, topic: string): StrataError =>
  new StrataError('STRATA_ERR_READ_ONLY_TOPIC', `topic ${ns}/${topic} is a mounted bucket and read-only`, { details: { namespace: ns, topic } });

export class LogWithExternalTopics implements TopicLog {
  private source?: ExternalTopicSource;

  constructor(readonly inner: TopicLog) {}

  /** Plugs in the source of external topics (the mount registry); may come after frontends started. */
  attach(source: ExternalTopicSource): void {
    this.source = source;
  }

  private ext(ns: string, topic: string): ExternalTopic | undefined {
    return this.source?.get(ns, topic);
  }

  // topics -----------------------------------------------------------------------------------------
  createTopic(ns: string, name: string, config?: Partial<TopicConfig>): Promise<TopicInfo> {
    if (this.ext(ns, name)) return Promise.reject(new StrataError('STRATA_ERR_TOPIC_EXISTS', `topic ${ns}/${name} exists (a mounted bucket)`, { details: { namespace: ns, topic: name } }));
    return this.inner.createTopic(ns, name, config);
  }
  deleteTopic(ns: string, name: string): Promise<void> {
    if (this.ext(ns, name)) return Promise.reject(readOnly(ns, name));
    return this.inner.deleteTopic(ns, name);
  }
  createPartitions(ns: string, name: string, totalCount: number): Promise<TopicInfo> {
    if (this.ext(ns, name)) return Promise.reject(readOnly(ns, name));
    return this.inner.createPartitions(ns, name, totalCount);
  }
  getTopic(ns: string, name: string): TopicInfo | undefined {
    const e = this.ext(ns, name);
    return e ? externalInfo(e) : this.inner.getTopic(ns, name);
  }
  listTopics(ns?: string): TopicInfo[] {
    const own = this.inner.listTopics(ns);
    const ext = (this.source?.list(ns) ?? []).filter((e) => !own.some((t) => t.namespace === e.namespace && t.name === e.name)).map(externalInfo);
    return ext.length === 0 ? own : [...own, ...ext].sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1));
  }
  listNamespaces(): string[] {
    const names = new Set(this.inner.listNamespaces());
    for (const e of this.source?.list() ?? []) names.add(e.namespace);
    return [...names].sort();
  }
  namespaceBytes(ns: string): number {
    return this.inner.namespaceBytes(ns);
  }

  // write ------------------------------------------------------------------------------------------
  append(ns: string, topic: string, partition: number, records: RecordInput[], options?: Parameters<TopicLog['append']>[4]): Promise<AppendResult> {
    if (this.ext(ns, topic)) return Promise.reject(readOnly(ns, topic));
    return this.inner.append(ns, topic, partition, records, options);
  }
  appendBatch(ns: string, topic: string, partition: number, batch: Buffer): Promise<AppendResult> {
    if (this.ext(ns, topic)) return Promise.reject(readOnly(ns, topic));
    return this.inner.appendBatch(ns, topic, partition, batch);
  }
  initProducerId(): Promise<ProducerIdentity> {
    return this.inner.initProducerId();
  }

  // read -------------------------------------------------------------------------------------------
  private async waitFor(e: ExternalTopic, offset: number, options: ReadOptions | undefined): Promise<void> {
    const hwm = e.highWatermark();
    if (offset > hwm) throw new StrataError('STRATA_ERR_OFFSET_OUT_OF_RANGE', `offset ${offset} is past the high watermark ${hwm} of ${e.namespace}/${e.name}`, { details: { offset, highWatermark: hwm } });
    const until = Date.now() + (options?.maxWaitMs ?? 0);
    // long-poll: a mount grows when its source does (LIST polling or bucket notifications)
    while (offset >= e.highWatermark() && Date.now() < until && !options?.signal?.aborted) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, until - Date.now()))));
    }
  }

  private partitionZero(e: ExternalTopic, partition: number): void {
    if (partition !== 0) throw new StrataError('STRATA_ERR_PARTITION_NOT_FOUND', `mounted topic ${e.namespace}/${e.name} has only partition 0`, { details: { partition } });
  }

  async read(ns: string, topic: string, partition: number, offset: number, options?: ReadOptions): Promise<ReadResult> {
    const e = this.ext(ns, topic);
    if (!e) return this.inner.read(ns, topic, partition, offset, options);
    this.partitionZero(e, partition);
    await this.waitFor(e, offset, options);
    const records = offset < e.highWatermark() ? await e.read(offset, 10_000, options?.maxBytes ?? DEFAULT_MAX_BYTES) : [];
    const batches: Buffer[] = [];
    if (records.length > 0) {
      const batch = await encodeBatch(records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })));
      setBaseOffset(batch, records[0]!.offset);
      batches.push(batch);
    }
    return { batches, highWatermark: e.highWatermark(), logStartOffset: 0 };
  }

  async readRecords(ns: string, topic: string, partition: number, offset: number, options?: ReadOptions & { maxRecords?: number }): Promise<RecordsResult> {
    const e = this.ext(ns, topic);
    if (!e) return this.inner.readRecords(ns, topic, partition, offset, options);
    this.partitionZero(e, partition);
    await this.waitFor(e, offset, options);
    const records = offset < e.highWatermark() ? await e.read(offset, options?.maxRecords ?? 10_000, options?.maxBytes ?? DEFAULT_MAX_BYTES) : [];
    const nextOffset = records.length > 0 ? records[records.length - 1]!.offset + 1 : offset;
    return { records, nextOffset, highWatermark: e.highWatermark(), logStartOffset: 0 };
  }

  async offsetForTimestamp(ns: string, topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number } | undefined> {
    const e = this.ext(ns, topic);
    if (!e) return this.inner.offsetForTimestamp(ns, topic, partition, timestamp);
    this.partitionZero(e, partition);
    return e.offsetForTimestamp ? e.offsetForTimestamp(timestamp) : undefined;
  }

  // consumer groups: a group may read mounted topics too --------------------------------------------
  commitOffsets(ns: string, group: string, offsets: GroupOffset[]): Promise<void> {
    return this.inner.commitOffsets(ns, group, offsets);
  }
  fetchOffsets(ns: string, group: string): Promise<GroupOffset[]> {
    return this.inner.fetchOffsets(ns, group);
  }
  listGroups(ns: string): Promise<string[]> {
    return this.inner.listGroups(ns);
  }
  deleteGroup(ns: string, group: string): Promise<void> {
    return this.inner.deleteGroup(ns, group);
  }
}
