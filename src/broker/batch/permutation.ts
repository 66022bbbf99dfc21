/**
 * A keyed pseudo-random permutation of [0, n) in O(1) memory: a balanced Feistel network over the
 * smallest even-bit domain 2^(2h) ≥ n, with cycle walking to stay inside [0, n) (a bijection on the
 * domain restricted to [0, n) by re-applying it until the value falls inside). The key is derived from
 * (seed, epoch) only, so the order does not depend on the number of ranks. No I/O.
 */
import { createHash } from 'node:crypto';

const ROUNDS = 6;

/** 32-bit round function: a murmur3-style mix of (right half, round key). */
function mix(x: number, k: number): number {
  let h = Math.imul(x ^ k, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593) ^ k;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class FeistelPermutation {
  readonly n: number;
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly keys: number[];

  constructor(n: number, seed: string | number, epoch: number) {
    if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 52) throw new RangeError(`permutation size out of range: ${n}`);
    this.n = n;
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.halfBits = bits / 2;
    this.mask = 2 ** this.halfBits - 1;
    const digest = createHash('sha256').update(`strata-epoch\0${String(seed)}\0${epoch}`).digest();
    this.keys = Array.from({ length: ROUNDS }, (_, i) => digest.readUInt32LE(i * 4));
  }

  private round(x: number): number {
    if (this.halfBits <= 15) return this.round32(x);
    const h = 2 ** this.halfBits;
    let left = Math.floor(x / h);
    let right = x % h;
    for (let r = 0; r < ROUNDS; r++) {
      const f = mix(right, this.keys[r]!) & this.mask;
      // halves ≤ 26 bits: (left ^ f) stays exact in 32-bit ints when halfBits ≤ 31, else use arithmetic
      const next = this.halfBits <= 31 ? (left ^ f) >>> 0 : (left + f) % h;
      left = right;
      right = next;
    }
    return left * h + right;
  }

  /** round() for domains below 2^30 (halves ≤ 15 bits): the same network in 32-bit integer operations. */
  private round32(x: number): number {
    const bits = this.halfBits;
    const mask = this.mask;
    const keys = this.keys;
    let left = x >>> bits;
    let right = x & mask;
    for (let r = 0; r < ROUNDS; r++) {
      const next = (left ^ (mix(right, keys[r]!) & mask)) >>> 0;
      left = right;
      right = next;
    }
    return ((left << bits) | right) >>> 0;
  }

  /** The element at position i of the permuted order. */
  at(i: number): number {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.n) throw new RangeError(`position ${i} outside [0, ${this.n})`);
    let x = i;
    do x = this.round(x);
    while (x >= this.n);
    return x;
  }
}

/** What the epoch iterator needs of an order: the element at each position of a permutation of [0, n). */
export interface Permutation {
  readonly n: number;
  at(i: number): number;
}

/** Blocks of a BlockShufflePermutation at most: its block order takes 4 bytes per block (4 MiB at most). */
export const MAX_BLOCKS = 2 ** 20;

/** Window permutations kept per BlockShufflePermutation (consecutive positions stay in one window). */
const WINDOW_CACHE = 16;

/**
 * A keyed permutation of [0, n) with locality (`shuffle_block`): [0, n) is cut into blocks of `block`
 * consecutive records, the blocks are put in a keyed random order, taken `window` at a time, and the records of
 * each window are put in a keyed random order among themselves. Consecutive positions then draw from `window`
 * blocks only, so a batch of a mounted jsonl/csv shard touches a few cached blocks instead of one per record:
 * the shuffle of WebDataset (shards, then a shuffle buffer) and of MosaicML's streaming datasets (py1b), a
 * weaker one than the global shuffle, in exchange for reads at close to sequential speed. Keyed by (seed, epoch)
 * only, like FeistelPermutation. Memory: 4 bytes per block, at most MAX_BLOCKS blocks.
 */
export class BlockShufflePermutation implements Permutation {
  readonly n: number;
  private readonly order: Int32Array;
  private readonly lastSize: number;
  /** The window holding the last (possibly short) block, and how many records it lacks. */
  private readonly shortWindow: number;
  private readonly deficit: number;
  private readonly windows = new Map<number, FeistelPermutation>();

  constructor(
    n: number,
    private readonly seed: string | number,
    private readonly epoch: number,
    private readonly block: number,
    private readonly window: number,
  ) {
    if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`block size out of range: ${block}`);
    if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`window out of range: ${window}`);
    const blocks = Math.ceil(n / block);
    if (blocks > MAX_BLOCKS) throw new RangeError(`too many blocks (${blocks}): use a larger block size`);
    this.n = n;
    const perm = new FeistelPermutation(blocks, seed, epoch);
    this.order = Int32Array.from({ length: blocks }, (_, i) => perm.at(i));
    this.lastSize = n - (blocks - 1) * block;
    const at = this.order.indexOf(blocks - 1);
    this.shortWindow = blocks > 0 && this.lastSize < block ? Math.floor(at / window) : -1;
    this.deficit = this.shortWindow >= 0 ? block - this.lastSize : 0;
  }

  private start(w: number): number {
    return w * this.window * this.block - (this.shortWindow >= 0 && this.shortWindow < w ? this.deficit : 0);
  }

  private windowPerm(w: number): FeistelPermutation {
    let p = this.windows.get(w);
    if (!p) {
      const size = Math.min(this.n, this.start(w + 1)) - this.start(w);
      p = new FeistelPermutation(size, `${String(this.seed)}\0window ${w}`, this.epoch);
      if (this.windows.size >= WINDOW_CACHE) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(w, p);
    }
    return p;
  }

  at(i: number): number {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.n) throw new RangeError(`position ${i} outside [0, ${this.n})`);
    let w = Math.floor(i / (this.window * this.block));
    while (i < this.start(w)) w--;
    while (i >= this.start(w + 1)) w++;
    let k = this.windowPerm(w).at(i - this.start(w));
    const last = this.order.length - 1;
    for (let p = w * this.window; p < this.order.length; p++) {
      const b = this.order[p]!;
      const size = b === last ? this.lastSize : this.block;
      if (k < size) return b * this.block + k;
      k -= size;
    }
    throw new Error(`block shuffle: position ${i} maps outside its window`); // unreachable: window sizes add up to n
  }
}
