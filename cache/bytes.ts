/**
 * Byte copies that stay memcpy-fast when one side lives in a SharedArrayBuffer, as the cache's recycled blocks do
 * (BlockPool `shared`).
 *
 * V8 copies into or out of shared memory (TypedArray#set, and so Buffer#copy and Buffer.concat) with relaxed
 * atomic loads and stores, one byte at a time whenever the two addresses differ in alignment mod 8. A 1 KiB line
 * at an arbitrary offset of a block then copies ~5× slower than memcpy (0.5 µs against 0.1 µs, measured), and a
 * 64 KiB socket chunk into a block runs at ~1 GB/s. Node's Buffer#fill with a buffer value is a plain memcpy in
 * C++, and a range exactly as long as the value is filled once: a copy.
 */

const isShared = (b: Uint8Array): boolean => b.buffer instanceof SharedArrayBuffer;

/** Copies all of `src` into `dst` at `at` (dst must have room); returns the number of bytes copied. */
export function copyBytes(src: Uint8Array, dst: Buffer, at: number): number {
  const n = src.length;
  if (n === 0) return 0;
  if (isShared(src) || isShared(dst)) dst.fill(src, at, at + n);
  else dst.set(src, at);
  return n;
}

/** Buffer.concat(parts, total), with the copies done by copyBytes: cut at `total`, zero-filled up to it. */
export function concatBytes(parts: readonly Uint8Array[], total = parts.reduce((a, p) => a + p.length, 0)): Buffer {
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of parts) {
    if (at >= total) break;
    at += copyBytes(at + p.length > total ? p.subarray(0, total - at) : p, out, at);
  }
  if (at < total) out.fill(0, at);
  return out;
}
