/**
 * Mounted buckets (design: "Mounted buckets"): a mount is a read-only topic over objects nobody wrote
 * through Strata. Offsets are stable: objects get an index in the order they were discovered (key order
 * within one LIST pass, later discoveries appended), and record offsets follow object order.
 */

import type { NotificationStatus } from './watch.js';

export const MOUNT_FORMATS = ['raw', 'jsonl', 'csv', 'tar'] as const;
export type MountFormat = (typeof MOUNT_FORMATS)[number];

/** What POST /mounts creates and what is persisted at Keys.meta('mounts', ns, topic). */
export interface MountSpec {
  namespace: string;
  topic: string;
  /** `s3://bucket/prefix` or `file:///absolute/dir`. */
  source: string;
  format: MountFormat;
  createdAt: number;
}

/** One discovered source object, as indexed (etag pins the version whose bytes offsets refer to). */
export interface MountObject {
  key: string;
  etag: string;
  size: number;
  /** lastModified in ms: the timestamp of the object's records. */
  time: number;
}

/** Byte ranges of the records inside one object (record i = bytes [starts[i], ends[i])). */
export interface RecordIndex {
  starts: number[];
  ends: number[];
  /** Record keys (tar: the WebDataset sample key); absent = no keys. */
  keys?: string[];
  /** csv: the header row (not a record). */
  header?: string;
}

/** A record read from a mount. */
export interface MountRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer;
  timestamp: number;
}

/** A byte range of a source object with its indexed version. */
export interface ObjectRange {
  obj: { key: string; etag: string; size: number };
  offset: number;
  length: number;
}

/**
 * How a mount reads source bytes: the tiered cache when the node has one (cache/ TieredCache), else the
 * source store directly. Implementations must never return bytes of another version than obj.etag.
 */
export interface RangeReader {
  read(obj: { key: string; etag: string; size: number }, offset: number, length: number, options?: { stream?: string }): Promise<Buffer>;
  /**
   * Many ranges in one call, each as the views of the blocks it touches, valid until release() (the tiered
   * cache's readLeaseMany). Optional: batch reads fall back to read() per range.
   */
  readLeaseMany?(ranges: ObjectRange[], options?: { stream?: string }): Promise<{ parts: Buffer[][]; release: () => void }>;
  /** Exact upcoming ranges of a reader stream (epoch iterators), for prefetch. Optional. */
  hint?(stream: string, ranges: ObjectRange[]): void;
  /** Releases what the reader holds (a per-mount cache), when the mount is deleted or the node stops. Optional. */
  close?(): Promise<void>;
  /** Cache counters (TieredCache.stats()), shown in the mount's status. Optional. */
  stats?(): { hits: Record<string, number>; misses: number; gets: number; prefetch: { issued: number; used: number; wasted: number; late: number } };
}

export interface MountStatus extends MountSpec {
  readOnly: true;
  partitions: 1;
  /** Records readable now (offsets [0, highWatermark)). */
  highWatermark: number;
  progress: {
    /** Objects whose records are counted (raw: every listed object). */
    objectsIndexed: number;
    /** Objects discovered so far. */
    objectsTotal: number;
    /** True until the first full LIST pass finished. */
    listing: boolean;
    /** Last polling error, if any. */
    lastError?: string;
  };
  /** csv: header row of the first object. */
  csvHeader?: string;
  /** Read cache of the mount's source (shared by the mounts of one source): hits, misses, GETs, prefetch. */
  cache?: { hits: Record<string, number>; misses: number; gets: number; prefetch: { issued: number; used: number; wasted: number; late: number } };
  /** Bucket notifications: whether this mount listens for new objects or only polls (watch.ts). */
  notifications?: NotificationStatus;
}
