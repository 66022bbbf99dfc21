/**
 * Recovery (design: "Restart anywhere"): take over as the next writer epoch, seal the WAL of every
 * fenced epoch, then rebuild the offset index, high watermarks and producer state from manifest + WAL.
 * See docs/reference/storage-format.md "Fencing" for why no acknowledged record is lost or doubled.
 */
import type { Logger } from 'pino';
import { isStrataError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import { listAll, type ObjectStore } from '../store/types.js';
import { emptyManifest, walLe, type Manifest, type ManifestStore, type TopicEntry, type WalPosition } from './manifest.js';
import { retryTransient } from './manifest-writer.js';
import { PartitionState } from './partition.js';
import { replayBatch } from './producer-state.js';
import { iterateBatches } from './record-batch.js';
import { decodeWal } from './wal-format.js';

export interface TopicRuntime {
  entry: TopicEntry;
  parts: PartitionState[];
}

export function topicRuntime(entry: TopicEntry): TopicRuntime {
  const parts: PartitionState[] = [];
  for (let i = 0; i < entry.config.partitions; i++) parts.push(PartitionState.fromCheckpoint(entry.id, entry.namespace, entry.name, i, entry.partitions[i]));
  return { entry, parts };
}

/**
 * Step 1: writes manifest latest+1 with writerEpoch+1 and this writer's lease (CAS). From now on any older
 * writer is fenced; it may still acknowledge for up to its lease (`previousLeaseMs`: the previous writer's, or
 * one it had not yet waited out), so the caller lists the WAL only after that long.
 */
export async function takeOver(manifests: ManifestStore, writerId: string, logger: Logger, leaseMs: number): Promise<{ taken: Manifest; previousLeaseMs: number }> {
  for (;;) {
    let latest: Manifest | undefined;
    try {
      latest = await retryTransient(logger, 'read manifest', () => manifests.latest());
    } catch (err) {
      // The newest manifest we listed was garbage-collected under us (a newer one exists): list again.
      if (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) continue;
      throw err;
    }
    const next: Manifest = latest ? structuredClone(latest) : emptyManifest(writerId);
    next.id = latest ? latest.id + 1 : 0;
    next.writerEpoch = (latest?.writerEpoch ?? 0) + 1;
    next.writerId = writerId;
    next.createdAt = Date.now();
    // The writers before us may acknowledge for up to their leases: ours to wait out, and recorded until we
    // have, so that a node taking over from us in the meantime waits for them too.
    const previousLeaseMs = Math.max(latest?.writerLeaseMs ?? 0, latest?.pendingLeaseMs ?? 0);
    if (leaseMs > 0) next.writerLeaseMs = leaseMs;
    else delete next.writerLeaseMs;
    if (previousLeaseMs > 0) next.pendingLeaseMs = previousLeaseMs;
    else delete next.pendingLeaseMs;
    if (await retryTransient(logger, 'write manifest', () => manifests.create(next))) return { taken: next, previousLeaseMs };
    logger.info({ id: next.id }, 'manifest id taken by another node; retrying take-over');
  }
}

export interface WalToReplay extends WalPosition {
  key: string;
}

/**
 * Step 2 (after take-over): lists the WAL and decides, per fenced epoch, the last seq that counts: the
 * bound already sealed in the manifest, else the longest gap-free run of seqs after the checkpoint.
 * Returns the new seals (to be made durable before this node writes) and the WAL objects to replay.
 */
export async function planReplay(store: ObjectStore, keys: Keys, m: Manifest, logger: Logger): Promise<{ seals: Record<string, number>; replay: WalToReplay[] }> {
  const byEpoch = new Map<number, WalToReplay[]>();
  for await (const o of listAll(store, { prefix: keys.walPrefix() })) {
    const pos = keys.parseWal(o.key);
    if (!pos || walLe(pos, m.walCovered)) continue;
    if (pos.epoch >= m.writerEpoch) {
      logger.warn({ key: o.key }, 'WAL object of a newer or equal epoch found at recovery; ignored (the fence check will stop this node if it is stale)');
      continue;
    }
    let list = byEpoch.get(pos.epoch);
    if (!list) byEpoch.set(pos.epoch, (list = []));
    list.push({ ...pos, key: o.key });
  }
  // Seal every uncovered older epoch, even one with no WAL object listed yet: a zombie of that epoch may
  // still land a PUT (never acknowledged — its fence check fails), which must not be replayed later.
  for (let e = Math.max(1, m.walCovered?.epoch ?? 1); e < m.writerEpoch; e++) if (!byEpoch.has(e)) byEpoch.set(e, []);
  const seals: Record<string, number> = {};
  const replay: WalToReplay[] = [];
  for (const epoch of [...byEpoch.keys()].sort((a, b) => a - b)) {
    const list = byEpoch.get(epoch)!.sort((a, b) => a.seq - b.seq);
    let bound = m.sealed[String(epoch)];
    if (bound === undefined) {
      let expect = m.walCovered && m.walCovered.epoch === epoch ? m.walCovered.seq + 1 : 0;
      for (const w of list) {
        if (w.seq !== expect) break;
        expect++;
      }
      bound = expect - 1;
      seals[String(epoch)] = bound;
      if (list.length > 0 && list[list.length - 1]!.seq > bound) logger.warn({ epoch, bound, last: list[list.length - 1]!.seq }, 'WAL objects after a gap in a fenced epoch are ignored (never acknowledged)');
    }
    for (const w of list) if (w.seq <= bound) replay.push(w);
  }
  return { seals, replay };
}

/** Step 3: replays WAL objects in order into the partitions (GETs run ahead, 8 at a time). */
export async function replayWal(store: ObjectStore, list: WalToReplay[], byId: Map<string, TopicRuntime>, logger: Logger): Promise<{ objects: number; chunks: number }> {
  const AHEAD = 8;
  const fetches: Array<Promise<{ key: string; etag: string; body: Buffer }>> = [];
  const start = (i: number): void => {
    if (i < list.length) fetches[i] = retryTransient(logger, 'read WAL', () => store.get(list[i]!.key));
  };
  for (let i = 0; i < AHEAD; i++) start(i);
  let chunks = 0;
  for (let i = 0; i < list.length; i++) {
    const { key, etag, body } = await fetches[i]!;
    delete fetches[i];
    start(i + AHEAD);
    const { index, dataStart } = decodeWal(body, key);
    for (const c of index.chunks) {
      const t = byId.get(c.topicId);
      const p = t?.parts[c.partition];
      if (!p || c.lastOffset < p.highWatermark) continue;
      if (c.baseOffset !== p.highWatermark) logger.warn({ key, topic: c.topic, partition: c.partition, expected: p.highWatermark, got: c.baseOffset }, 'offset gap in the WAL');
      const data = body.subarray(dataStart + c.pos, dataStart + c.pos + c.len);
      for (const { header: h } of iterateBatches(data)) {
        replayBatch(p.producers, h.producerId, h.producerEpoch, h.baseSequence, h.lastOffsetDelta + 1, { baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta });
      }
      p.addDurable({ baseOffset: c.baseOffset, lastOffset: c.lastOffset, maxTimestamp: c.maxTimestamp, key, etag, size: body.length, pos: dataStart + c.pos, len: c.len, kind: 'wal', writtenAt: index.createdAt });
      chunks++;
    }
  }
  return { objects: list.length, chunks };
}
