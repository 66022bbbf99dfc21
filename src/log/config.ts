/** Tunables of the topic log; the server maps its options (src/server/options/log.ts) onto these. */
import type { TopicConfig } from './types.js';

export interface LogConfig {
  /** Longest time an append waits in the buffer before its WAL object is written. */
  walLingerMs: number;
  /** A WAL object is started as soon as this many bytes are buffered (and a PUT slot is free). */
  walFlushBytes: number;
  /** Largest WAL object: while every PUT slot is busy the buffer grows, and one flush takes up to this much. */
  walMaxBytes: number;
  /**
   * Writer lease: a node that takes over waits this long before reading the WAL, and a writer acknowledges
   * on a fence check up to half of it old instead of one HEAD per WAL object (0 = a check after every PUT).
   */
  writerLeaseMs: number;
  /** Appended bytes not yet durable, all partitions together; past it appends wait (backpressure). */
  maxInflightBytes: number;
  /** How long an append waits for room before STRATA_ERR_BACKPRESSURE. */
  backpressureTimeoutMs: number;
  /** How often WAL data is compacted into .seg objects and retention runs (0 = never). */
  compactionIntervalMs: number;
  /** Bytes of the newest WAL objects kept in process memory for tail reads. */
  tailCacheBytes: number;
  /** Manifests kept by garbage collection (the newest N). */
  manifestsKept: number;
  /** How long close() waits for pending appends to become durable. */
  closeTimeoutMs: number;
}

export const DEFAULT_LOG_CONFIG: LogConfig = {
  walLingerMs: 50,
  walFlushBytes: 1024 * 1024,
  walMaxBytes: 8 * 1024 * 1024,
  writerLeaseMs: 1000,
  maxInflightBytes: 64 * 1024 * 1024,
  backpressureTimeoutMs: 10_000,
  compactionIntervalMs: 60_000,
  tailCacheBytes: 64 * 1024 * 1024,
  manifestsKept: 10,
  closeTimeoutMs: 10_000,
};

export const DEFAULT_TOPIC_CONFIG: TopicConfig = {
  partitions: 1,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: null,
  maxMessageBytes: 1024 * 1024,
};
