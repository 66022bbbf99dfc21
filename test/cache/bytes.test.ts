import { describe, expect, it } from 'vitest';
import { concatBytes, copyBytes } from '../../cache/index.js';

const shared = (n: number): Buffer => Buffer.from(new SharedArrayBuffer(n));
const pattern = (b: Buffer): Buffer => {
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
};

describe('copyBytes / concatBytes', () => {
  it('copies exactly the source into the destination, shared memory on either side, at odd offsets', () => {
    for (const [srcShared, dstShared] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const src = pattern(srcShared ? shared(4096) : Buffer.alloc(4096));
      const dst = dstShared ? shared(2048) : Buffer.alloc(2048);
      dst.fill(0xee);
      const piece = src.subarray(13, 13 + 1001); // misaligned against the destination
      expect(copyBytes(piece, dst, 64)).toBe(1001);
      expect(dst.subarray(64, 1065).equals(piece)).toBe(true);
      expect(dst[63]).toBe(0xee); // nothing before
      expect(dst[1065]).toBe(0xee); // nothing after
      expect(copyBytes(src.subarray(0, 0), dst, 2048)).toBe(0); // empty: nothing, even at the end
    }
  });
  it('throws rather than writing past the destination', () => {
    expect(() => copyBytes(Buffer.alloc(10), shared(8), 0)).toThrow();
    expect(() => copyBytes(shared(10), Buffer.alloc(8), 0)).toThrow();
  });
  it('concatenates like Buffer.concat, also cut at or zero-filled up to a total', () => {
    const parts = [pattern(shared(100)).subarray(3, 50), Buffer.from('hello'), pattern(shared(64)).subarray(1)];
    expect(concatBytes(parts).equals(Buffer.concat(parts))).toBe(true);
    expect(concatBytes(parts, 20).equals(Buffer.concat(parts, 20))).toBe(true);
    expect(concatBytes(parts, 200).equals(Buffer.concat(parts, 200))).toBe(true);
    expect(concatBytes([]).length).toBe(0);
  });
});
