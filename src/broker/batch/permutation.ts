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
