/**
 * On-disk format of one SSD block (codec only, no I/O):
 *
 *   0  4  magic "STRB"
 *   4  1  version (1)
 *   5  3  reserved (0)
 *   8  4  data length (u32 BE)
 *  12  4  CRC32 of data (u32 BE)
 *  16  4  id length in bytes (u32 BE)
 *  20  4  CRC32 of bytes 0..20 + id (u32 BE)
 *  24  n  block id (UTF-8: key NUL etag NUL block number)
 *  24+n   data
 *
 * A file is served only when the magic, both CRCs, the id and the exact file length check out; anything
 * else (a torn write, a flipped bit, a hash collision) is treated as corrupt.
 */
import { crc32 } from 'node:zlib';

const MAGIC = 0x53545242; // "STRB"
const VERSION = 1;
export const HEADER_FIXED = 24;

/** Header and data of the file of block `id`; `dataCrc` when the caller has already computed crc32(data). */
export function encodeBlockFile(id: string, data: Buffer, dataCrc = crc32(data)): Buffer[] {
  const idBytes = Buffer.from(id, 'utf8');
  const header = Buffer.alloc(HEADER_FIXED + idBytes.length);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(VERSION, 4);
  header.writeUInt32BE(data.length, 8);
  header.writeUInt32BE(dataCrc, 12);
  header.writeUInt32BE(idBytes.length, 16);
  idBytes.copy(header, HEADER_FIXED);
  header.writeUInt32BE(crc32(idBytes, crc32(header.subarray(0, 20))), 20);
  return [header, data];
}

export function encodedSize(id: string, dataLength: number): number {
  return HEADER_FIXED + Buffer.byteLength(id, 'utf8') + dataLength;
}

/** Bytes before the data in the file of block `id`. */
export function headerSize(id: string): number {
  return HEADER_FIXED + Buffer.byteLength(id, 'utf8');
}

/**
 * Checks a block file read as two parts: its header (exactly headerSize(id) bytes) and its data (the rest of
 * the file). Undefined when the block may be served, else the reason why not. `dataCrc`: crc32(data), when
 * the caller has computed it.
 */
export function checkBlockFile(id: string, header: Buffer, data: Buffer, dataCrc?: number): string | undefined {
  if (header.length < HEADER_FIXED) return 'short header';
  if (header.readUInt32BE(0) !== MAGIC) return 'bad magic';
  if (header.readUInt8(4) !== VERSION) return 'unknown version';
  const idLength = header.readUInt32BE(16);
  if (HEADER_FIXED + idLength !== header.length || header.readUInt32BE(8) !== data.length) return 'length mismatch';
  const idBytes = header.subarray(HEADER_FIXED);
  if (crc32(idBytes, crc32(header.subarray(0, 20))) !== header.readUInt32BE(20)) return 'header checksum';
  if (idBytes.toString('utf8') !== id) return 'block id mismatch';
  if ((dataCrc ?? crc32(data)) !== header.readUInt32BE(12)) return 'data checksum';
  return undefined;
}
