import { describe, expect, it } from 'vitest';
import { epochBatch, locateGlobal, planEpoch, type EpochParams } from '../../src/broker/batch/epoch.js';
import { FeistelPermutation } from '../../src/broker/batch/permutation.js';

function rankShare(n: number, p: EpochParams): number[] {
  const plan = planEpoch(n, p);
  const out: number[] = [];
  for (let pos = 0; pos < plan.batches; pos++) out.push(...epochBatch(n, p, pos));
  return out;
}

describe('Feistel permutation', () => {
  it('gives the same order in every version (a changed order would reshuffle resumed epochs)', () => {
    // pinned from the first release of the epoch iterator; covers the 32-bit path (n < 2^30) and the general one
    const small = new FeistelPermutation(826_350, 7, 1);
    expect([0, 1, 2, 3, 100, 826_349].map((i) => small.at(i))).toEqual([168642, 687103, 816383, 385163, 86501, 689378]);
    const large = new FeistelPermutation(2 ** 31 + 11, 's', 2);
    expect([0, 1, 2, 3].map((i) => large.at(i))).toEqual([726520243, 723701392, 2028834385, 1050371999]);
  });

  it.each([1, 2, 3, 17, 1000, 4097, 65_536])('is a bijection of [0, %i)', (n) => {
    const perm = new FeistelPermutation(n, 'seed', 3);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) seen.add(perm.at(i));
    expect(seen.size).toBe(n);
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(n - 1);
  });
  it('is deterministic per (seed, epoch) and differs across epochs and seeds', () => {
    const order = (seed: string, epoch: number) => Array.from({ length: 500 }, (_, i) => new FeistelPermutation(500, seed, epoch).at(i));
    expect(order('a', 1)).toEqual(order('a', 1));
    expect(order('a', 1)).not.toEqual(order('a', 2));
    expect(order('a', 1)).not.toEqual(order('b', 1));
    const identity = order('a', 1).filter((v, i) => v === i).length;
    expect(identity).toBeLessThan(20); // shuffled, not the identity
  });
});

describe('epoch iterator', () => {
  const N = 1000;
  it.each([1, 2, 4, 8])('world size %i: ranks are disjoint, equal-sized and cover the topic once', (W) => {
    const shares = Array.from({ length: W }, (_, r) => rankShare(N, { seed: 7, epoch: 0, rank: r, worldSize: W, batchSize: 32 }));
    for (const s of shares) expect(s.length).toBe(N / W);
    const union = new Set(shares.flat());
    expect(union.size).toBe(N);
  });

  it('the global order does not depend on the world size (rank r of W takes positions r, r+W, …)', () => {
    const perm = new FeistelPermutation(N, 7, 0);
    const global = Array.from({ length: N }, (_, i) => perm.at(i));
    for (const W of [2, 4, 8]) {
      const r1 = rankShare(N, { seed: 7, epoch: 0, rank: 1, worldSize: W, batchSize: 10 });
      expect(r1).toEqual(global.filter((_, i) => i % W === 1).slice(0, Math.floor(N / W)));
    }
  });

  it('drops the remainder: N mod W records of the end of the order are in no rank (drop_last)', () => {
    const n = 1003;
    const W = 4;
    const shares = Array.from({ length: W }, (_, r) => rankShare(n, { seed: 1, epoch: 2, rank: r, worldSize: W, batchSize: 100 }));
    for (const s of shares) expect(s.length).toBe(250);
    const perm = new FeistelPermutation(n, 1, 2);
    const dropped = [1000, 1001, 1002].map((i) => perm.at(i));
    const union = new Set(shares.flat());
    expect(union.size).toBe(1000);
    for (const d of dropped) expect(union.has(d)).toBe(false);
    expect(planEpoch(n, { seed: 1, epoch: 2, rank: 0, worldSize: W, batchSize: 100 }).batches).toBe(3); // 100, 100, 50
  });

  it('resuming from a position gives the same remaining sequence', () => {
    const p = { seed: 'x', epoch: 5, rank: 2, worldSize: 4, batchSize: 16 };
    const full = rankShare(N, p);
    const plan = planEpoch(N, p);
    const resumed: number[] = [];
    for (let pos = 7; pos < plan.batches; pos++) resumed.push(...epochBatch(N, p, pos));
    expect(resumed).toEqual(full.slice(7 * 16));
  });

  it('maps global numbers onto partitions in order', () => {
    const spans = [
      { partition: 0, start: 5, end: 8 },
      { partition: 1, start: 0, end: 2 },
    ];
    expect([0, 2, 3, 4].map((g) => locateGlobal(spans, g))).toEqual([
      { partition: 0, offset: 5 },
      { partition: 0, offset: 7 },
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
  });
});
