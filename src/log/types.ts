/**
 * The topic log's public contract (design: "Write path", "Read path"). Every frontend (MQTT, Kafka,
 * HTTP) appends to and reads from a TopicLog; nothing above src/log knows about WAL objects,
 * segments or the cache.
 *
 * Records are stored as Kafka RecordBatch v2 (magic 2, CRC32C). Batches from Kafka producers are kept
 * exactly as sent (compression included); only the base offset (and for LogAppendTime topics the max
 * timestamp) is rewritten, as Kafka brokers do.
 */

export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface TopicConfig {
  /** Number of partitions (≥ 1). Default 1. */
  partitions: number;
  /** Delete segments whose newest record is older than this; null keeps forever. Default 7 days. */
  retentionMs: number | null;
  /** Per-partition size above which the oldest segments are deleted; null = unbounded. Default null. */
  retentionBytes: number | null;
  /** Largest record batch (Kafka) / record (HTTP, MQTT) accepted, in bytes. Default 1 MiB. */
  maxMessageBytes: number;
}

export interface PartitionInfo {
  partition: number;
  /** First offset still held (moves forward with retention). */
  logStartOffset: number;
  /** Next offset to be assigned = one past the last durable record. */
  highWatermark: number;
}

export interface TopicInfo {
  namespace: string;
  name: string;
  /** Stable UUID (Kafka topic id). */
  id: string;
  config: TopicConfig;
  createdAt: number;
  /** Read-only topics (mounted buckets) reject appends. */
  readOnly?: boolean;
  partitions: PartitionInfo[];
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface AppendResult {
  partition: number;
  /** Offset of the first record of the append. */
  baseOffset: number;
  /** Offset of the last record of the append. */
  lastOffset: number;
  /** Broker time of the durable append (ms). */
  appendTime: number;
  /** Log start offset after the append. */
  logStartOffset: number;
}

export interface ReadOptions {
  /** Soft cap on bytes returned; at least one batch is returned if any is available. Default 1 MiB. */
  maxBytes?: number;
  /** Long-poll: wait up to this long for at least minBytes (default 1) to be available. Default 0. */
  maxWaitMs?: number;
  minBytes?: number;
  signal?: AbortSignal;
  /**
   * Lease the cache blocks behind the batches: the result then carries `release()`, which the caller must
   * call once nothing refers to the batches any more (e.g. after the socket write that sends them); the
   * blocks' memory is then reused for later reads instead of allocated anew. Without it the batches have no
   * end of life. Default false.
   */
  lease?: boolean;
}

export interface ReadResult {
  /**
   * Raw RecordBatch v2 buffers with their assigned base offsets, in offset order. The first batch may
   * start before the requested offset (clients skip records below it, as with Kafka).
   */
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
  /** With `lease`: hands the batches' blocks back (idempotent); absent when nothing was leased. */
  release?: () => void;
}

export interface RecordsResult {
  /** Decoded records with offset ≥ the requested offset. */
  records: StoredRecord[];
  /** Offset to ask for next. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
  leaderEpoch?: number;
}

export interface TopicLog {
  // topics -----------------------------------------------------------------------------------------
  createTopic(namespace: string, name: string, config?: Partial<TopicConfig>): Promise<TopicInfo>;
  deleteTopic(namespace: string, name: string): Promise<void>;
  /** Adds partitions (never removes). */
  createPartitions(namespace: string, name: string, totalCount: number): Promise<TopicInfo>;
  getTopic(namespace: string, name: string): TopicInfo | undefined;
  listTopics(namespace?: string): TopicInfo[];
  listNamespaces(): string[];
  /** Bytes held by the namespace's partitions (stored batches from each logStartOffset on); quotas use it. */
  namespaceBytes(namespace: string): number;

  // write ------------------------------------------------------------------------------------------
  /** Encodes records as one batch and resolves once durable in the object store. */
  append(namespace: string, topic: string, partition: number, records: RecordInput[], options?: { compression?: CompressionCodec }): Promise<AppendResult>;
  /**
   * Appends one raw RecordBatch v2 as sent by a Kafka producer (CRC checked, kept as is). Idempotent
   * producers (producerId ≥ 0): a duplicate of the last 5 batches resolves with the original offsets,
   * a sequence gap fails with STRATA_ERR_OUT_OF_ORDER_SEQUENCE, a stale epoch with STRATA_ERR_PRODUCER_FENCED.
   * The caller hands `batch` over: the log keeps it, and rewrites its base offset in place, until it is durable
   * (a Kafka request frame is a fresh buffer per request, so the frame's bytes are used without a copy).
   */
  appendBatch(namespace: string, topic: string, partition: number, batch: Buffer): Promise<AppendResult>;
  /** Allocates a producer id for idempotent producers (durable). */
  initProducerId(): Promise<ProducerIdentity>;

  // read -------------------------------------------------------------------------------------------
  read(namespace: string, topic: string, partition: number, offset: number, options?: ReadOptions): Promise<ReadResult>;
  readRecords(namespace: string, topic: string, partition: number, offset: number, options?: ReadOptions & { maxRecords?: number }): Promise<RecordsResult>;
  /** First offset whose timestamp ≥ ts, or undefined when none. */
  offsetForTimestamp(namespace: string, topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number } | undefined>;

  // consumer groups --------------------------------------------------------------------------------
  commitOffsets(namespace: string, group: string, offsets: GroupOffset[]): Promise<void>;
  fetchOffsets(namespace: string, group: string): Promise<GroupOffset[]>;
  listGroups(namespace: string): Promise<string[]>;
  deleteGroup(namespace: string, group: string): Promise<void>;
}
