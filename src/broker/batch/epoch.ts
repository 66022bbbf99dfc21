/**
 * The epoch iterator, stateless (design: "Batch reads for training"). The whole topic is numbered
 * 0..N-1 (partition 0's records in offset order, then partition 1's, …). The epoch order is a keyed
 * permutation of [0, N) from (seed, epoch) only. Rank r of W takes positions r, r+W, r+2W, … of that
 * order, truncated so every rank has floor(N / W) records (the last N mod W positions of the order are
 * dropped, like torch DistributedSampler(drop_last=True)). Batch `position` p of a rank holds its
 * records [p·B, min((p+1)·B, perRank)); the last batch may be short. No I/O.
 */
import { StrataError } from '../../errors.js';
import { BlockShufflePermutation, FeistelPermutation, MAX_BLOCKS, type Permutation } from './permutation.js';

export interface EpochParams {
  seed: string | number;
  epoch: number;
  rank: number;
  worldSize: number;
  batchSize: number;
  /**
   * Records per block of the block shuffle (BlockShufflePermutation); 0 or absent: the global shuffle. The order
   * then depends on (seed, epoch, shuffleBlock, shuffleWindow), still not on the world size.
   */
  shuffleBlock?: number;
  /** Blocks mixed together by the block shuffle. Default 8. */
  shuffleWindow?: number;
}

export const DEFAULT_SHUFFLE_WINDOW = 8;

/** The epoch order of `total` records for these parameters. */
export function epochOrder(total: number, p: EpochParams): Permutation {
  const block = p.shuffleBlock ?? 0;
  if (!Number.isSafeInteger(block) || block < 0) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'shuffle_block must be ≥ 0');
  const window = p.shuffleWindow ?? DEFAULT_SHUFFLE_WINDOW;
  if (!Number.isSafeInteger(window) || window < 1) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'shuffle_window must be ≥ 1');
  if (block === 0) return new FeistelPermutation(total, p.seed, p.epoch);
  if (Math.ceil(total / block) > MAX_BLOCKS) {
    throw new StrataError('STRATA_ERR_INVALID_REQUEST', `shuffle_block ${block} cuts ${total} records into more than ${MAX_BLOCKS} blocks: use at least ${Math.ceil(total / MAX_BLOCKS)}`);
  }
  return new BlockShufflePermutation(total, p.seed, p.epoch, block, window);
}

export interface PartitionSpan {
  partition: number;
  /** First offset (log start). */
  start: number;
  /** One past the last offset (high watermark). */
  end: number;
}

export interface EpochPlan {
  total: number;
  perRank: number;
  batches: number;
}

export function planEpoch(total: number, p: EpochParams): EpochPlan {
  const { rank, worldSize, batchSize } = p;
  if (!Number.isSafeInteger(worldSize) || worldSize < 1) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'world_size must be ≥ 1');
  if (!Number.isSafeInteger(rank) || rank < 0 || rank >= worldSize) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `rank must be in [0, ${worldSize})`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'batch_size must be ≥ 1');
  const perRank = Math.floor(total / worldSize);
  return { total, perRank, batches: Math.ceil(perRank / batchSize) };
}

/** Global record numbers of batch `position` for the rank, in order. */
export function epochBatch(total: number, p: EpochParams, position: number, perm: Permutation = epochOrder(total, p)): number[] {
  const plan = planEpoch(total, p);
  if (!Number.isSafeInteger(position) || position < 0) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'position must be ≥ 0');
  const out: number[] = [];
  const from = position * p.batchSize;
  const to = Math.min(from + p.batchSize, plan.perRank);
  for (let j = from; j < to; j++) out.push(perm.at(p.rank + j * p.worldSize));
  return out;
}

/** Maps a global record number to (partition, offset) over the topic's spans. */
export function locateGlobal(spans: PartitionSpan[], g: number): { partition: number; offset: number } {
  let rest = g;
  for (const s of spans) {
    const n = s.end - s.start;
    if (rest < n) return { partition: s.partition, offset: s.start + rest };
    rest -= n;
  }
  throw new RangeError(`record ${g} is outside the topic`);
}

export function totalOf(spans: PartitionSpan[]): number {
  return spans.reduce((a, s) => a + Math.max(0, s.end - s.start), 0);
}
