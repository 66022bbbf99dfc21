/**
 * The cluster manifest (docs/reference/storage-format.md, "Manifest"): a JSON document at
 * Keys.manifest(id), created only with ifNoneMatch '*' (CAS by create-if-absent of the next id). The
 * newest id is the truth. It holds the writer epoch, the sealed bounds of fenced epochs, the WAL
 * checkpoint (which WAL objects compaction has covered), topics with their segments, idempotent
 * producer checkpoints and the producer-id counter.
 */
import { StrataError, isStrataError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import { listAll, type ObjectStore } from '../store/types.js';
import type { TopicConfig } from './types.js';

export const MANIFEST_VERSION = 1;

/** One readable run inside a segment: [baseOffset, lastOffset, pos, len, maxTimestamp]. */
export type SegmentRun = [number, number, number, number, number];

export interface SegmentRef {
  key: string;
  etag: string;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  runs: SegmentRun[];
}

/** [firstSeq, lastSeq, baseOffset, lastOffset] of one of the last 5 batches. */
export type SeqEntry = [number, number, number, number];

export interface ProducerCheckpoint {
  epoch: number;
  batches: SeqEntry[];
}

export interface PartitionCheckpoint {
  logStartOffset: number;
  /** One past the last offset held by segments. */
  segmentEnd: number;
  segments: SegmentRef[];
  /** producerId (decimal string) → state as of segmentEnd. */
  producers: Record<string, ProducerCheckpoint>;
}

export interface TopicEntry {
  id: string;
  namespace: string;
  name: string;
  config: TopicConfig;
  createdAt: number;
  partitions: PartitionCheckpoint[];
}

export interface WalPosition {
  epoch: number;
  seq: number;
}

export interface Manifest {
  version: number;
  id: number;
  writerEpoch: number;
  /** Random id of the process that wrote this manifest (tells own manifests from a rival's). */
  writerId: string;
  createdAt: number;
  /**
   * The writer's lease (ms; absent = 0): it may acknowledge on a fence check up to half of it old, so a node
   * taking over from it waits this long after its own manifest exists before it lists the WAL.
   */
  writerLeaseMs?: number;
  /**
   * Leases of earlier writers this writer took over from and has not yet waited out (ms; absent = none):
   * a node taking over waits max(writerLeaseMs, pendingLeaseMs). Cleared once the wait is over.
   */
  pendingLeaseMs?: number;
  /** Every WAL object at or before this position is covered by segments (or holds nothing live). */
  walCovered: WalPosition | null;
  /** Fenced epochs: epoch (decimal string) → last WAL seq that counts (inclusive; -1 = none). */
  sealed: Record<string, number>;
  topics: TopicEntry[];
  /** Next idempotent producer id to hand out. */
  nextProducerId: number;
}

export function emptyManifest(writerId: string): Manifest {
  return { version: MANIFEST_VERSION, id: 0, writerEpoch: 0, writerId, createdAt: Date.now(), walCovered: null, sealed: {}, topics: [], nextProducerId: 0 };
}

export function encodeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

export function decodeManifest(body: Buffer, key: string): Manifest {
  try {
    const m = JSON.parse(body.toString('utf8')) as Manifest;
    if (m.version !== MANIFEST_VERSION || typeof m.id !== 'number' || !Array.isArray(m.topics)) throw new Error('unexpected shape');
    return m;
  } catch (err) {
    throw new StrataError('STRATA_ERR_CORRUPT_OBJECT', `manifest ${key} is malformed: ${(err as Error).message}`, { cause: err, details: { key } });
  }
}

/** (a.epoch, a.seq) ≤ (b.epoch, b.seq) */
export function walLe(a: WalPosition, b: WalPosition | null): boolean {
  if (!b) return false;
  return a.epoch < b.epoch || (a.epoch === b.epoch && a.seq <= b.seq);
}

/** Reads and writes manifest objects. */
export class ManifestStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly keys: Keys,
  ) {}

  /** The newest manifest, or undefined on an empty bucket. */
  async latest(): Promise<Manifest | undefined> {
    let last: string | undefined;
    for await (const o of listAll(this.store, { prefix: this.keys.manifestPrefix() })) {
      if (this.keys.parseManifest(o.key) !== undefined) last = o.key;
    }
    if (!last) return undefined;
    return this.read(this.keys.parseManifest(last)!);
  }

  async read(id: number): Promise<Manifest> {
    const key = this.keys.manifest(id);
    const { body } = await this.store.get(key);
    return decodeManifest(body, key);
  }

  /** Creates manifest m.id; false when that id already exists (someone else got there first). */
  async create(m: Manifest): Promise<boolean> {
    try {
      await this.store.put(this.keys.manifest(m.id), encodeManifest(m), { ifNoneMatch: '*', contentType: 'application/json' });
      return true;
    } catch (err) {
      if (isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED')) return false;
      throw err;
    }
  }

  /** Whether a manifest with this id exists; when it does, who wrote it. */
  async peek(id: number): Promise<{ writerId: string; writerEpoch: number } | undefined> {
    const key = this.keys.manifest(id);
    if (!(await this.store.head(key))) return undefined;
    const m = await this.read(id);
    return { writerId: m.writerId, writerEpoch: m.writerEpoch };
  }

  /** Deletes manifests older than `keepFrom` (garbage collection; the newest few are kept). */
  async deleteBefore(keepFrom: number): Promise<number> {
    let n = 0;
    for await (const o of listAll(this.store, { prefix: this.keys.manifestPrefix() })) {
      const id = this.keys.parseManifest(o.key);
      if (id === undefined || id >= keepFrom) break;
      await this.store.delete(o.key);
      n++;
    }
    return n;
  }
}
