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

export function encodeBlockFile(id: string, data: Buffer): Buffer[] {
  const idBytes = Buffer.from(id, 'utf8');
  const header = Buffer.alloc(HEADER_FIXED + idBytes.length);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(VERSION, 4);
  header.writeUInt32BE(data.length, 8);
  header.writeUInt32BE(crc32(data), 12);
  header.writeUInt32BE(idBytes.length, 16);
  idBytes.copy(header, HEADER_FIXED);
  header.writeUInt32BE(crc32(idBytes, crc32(header.subarray(0, 20))), 20);
  return [header, data];
}

export function encodedSize(id: string, dataLength: number): number {
  return HEADER_FIXED + Buffer.byteLength(id, 'utf8') + dataLength;
}

/** The block data, or a reason why the file must not be served. */
export function decodeBlockFile(id: string, file: Buffer): { data: Buffer } | { corrupt: string } {
  if (file.length < HEADER_FIXED) return { corrupt: 'short header' };
  if (file.readUInt32BE(0) !== MAGIC) return { corrupt: 'bad magic' };
  if (file.readUInt8(4) !== VERSION) return { corrupt: 'unknown version' };
  const dataLength = file.readUInt32BE(8);
  const idLength = file.readUInt32BE(16);
  if (HEADER_FIXED + idLength + dataLength !== file.length) return { corrupt: 'length mismatch' };
  const idBytes = file.subarray(HEADER_FIXED, HEADER_FIXED + idLength);
  if (crc32(idBytes, crc32(file.subarray(0, 20))) !== file.readUInt32BE(20)) return { corrupt: 'header checksum' };
  if (idBytes.toString('utf8') !== id) return { corrupt: 'block id mismatch' };
  const data = file.subarray(HEADER_FIXED + idLength);
  if (crc32(data) !== file.readUInt32BE(12)) return { corrupt: 'data checksum' };
  return { data };
}
