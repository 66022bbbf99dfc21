import { describe, expect, it } from 'vitest';
import { epochBatch, planEpoch, type EpochParams } from '../../src/broker/batch/epoch.js';
import { BlockShufflePermutation } from '../../src/broker/batch/permutation.js';

const orderOf = (perm: { n: number; at(i: number): number }): number[] => Array.from({ length: perm.n }, (_, i) => perm.at(i));

describe('block shuffle permutation', () => {
  it('gives the same order in every version (a changed order would reshuffle resumed epochs)', () => {
    const p = new BlockShufflePermutation(826_350, 7, 1, 4096, 8); // pinned from its first release
    expect([0, 1, 2, 3, 100, 826_349].map((i) => p.at(i))).toEqual([420031, 630893, 541503, 482260, 543401, 704638]);
  });
  it.each([
    [1, 1, 1],
    [10, 3, 2],
    [1000, 64, 8],
    [1003, 64, 8], // a short last block
    [1003, 64, 100], // one window holds every block
    [4097, 1, 4], // blocks of one record: a shuffle of blocks only
    [777, 1000, 8], // one block
  ])('n=%i block=%i window=%i: a bijection of [0, n)', (n, block, window) => {
    const order = orderOf(new BlockShufflePermutation(n, 'seed', 3, block, window));
    expect(new Set(order).size).toBe(n);
    expect(Math.min(...order)).toBe(0);
    expect(Math.max(...order)).toBe(n - 1);
  });
  it('each run of window × block positions draws from window blocks at most (the locality that makes it fast)', () => {
    const block = 50;
    const window = 4;
    const order = orderOf(new BlockShufflePermutation(10_000, 7, 1, block, window)); // whole blocks: windows start at multiples of 200
    let windows = 0;
    for (let i = 0; i < order.length; i += block * window) {
      const blocks = new Set(order.slice(i, i + block * window).map((x) => Math.floor(x / block)));
      expect(blocks.size).toBe(window);
      windows++;
    }
    expect(windows).toBeGreaterThan(40);
  });
  it('is deterministic per (seed, epoch), differs across epochs and seeds, and shuffles inside blocks too', () => {
    const order = (seed: string, epoch: number) => orderOf(new BlockShufflePermutation(2000, seed, epoch, 100, 4));
    expect(order('a', 1)).toEqual(order('a', 1));
    expect(order('a', 1)).not.toEqual(order('a', 2));
    expect(order('a', 1)).not.toEqual(order('b', 1));
    const o = order('a', 1);
    const inOrder = o.slice(1).filter((v, i) => v === o[i]! + 1).length;
    expect(inOrder).toBeLessThan(40); // records of a block are not handed out consecutively
  });
});

describe('epoch iterator with the block shuffle', () => {
  const N = 1003;
  const base = { seed: 7, epoch: 0, batchSize: 32, shuffleBlock: 40, shuffleWindow: 3 };
  const share = (p: EpochParams): number[] => {
    const out: number[] = [];
    for (let pos = 0; pos < planEpoch(N, p).batches; pos++) out.push(...epochBatch(N, p, pos));
    return out;
  };
  it.each([1, 2, 4, 8])('world size %i: ranks are disjoint, equal-sized, and the same global order is split', (W) => {
    const shares = Array.from({ length: W }, (_, r) => share({ ...base, rank: r, worldSize: W }));
    for (const s of shares) expect(s.length).toBe(Math.floor(N / W));
    expect(new Set(shares.flat()).size).toBe(Math.floor(N / W) * W);
    const global = share({ ...base, rank: 0, worldSize: 1 });
    for (let r = 0; r < W; r++) expect(shares[r]).toEqual(global.filter((_, i) => i % W === r).slice(0, Math.floor(N / W)));
  });
  it('differs from the global shuffle, and rejects a bad block or window', () => {
    expect(share({ ...base, rank: 0, worldSize: 1 })).not.toEqual(share({ ...base, shuffleBlock: 0, rank: 0, worldSize: 1 }));
    expect(() => epochBatch(N, { ...base, rank: 0, worldSize: 1, shuffleBlock: -1 }, 0)).toThrow(/shuffle_block/);
    expect(() => epochBatch(N, { ...base, rank: 0, worldSize: 1, shuffleWindow: 0 }, 0)).toThrow(/shuffle_window/);
    expect(() => epochBatch(2 ** 21, { ...base, rank: 0, worldSize: 1, shuffleBlock: 1 }, 0)).toThrow(/use at least 2/); // 2^21 blocks: too many
  });
});
