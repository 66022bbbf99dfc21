/**
 * Record-batch compression codecs (Kafka attributes bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
 * - gzip: node:zlib.
 * - snappy: Java clients send xerial-framed snappy ("\x82SNAPPY\0" + version + blocks of
 *   [u32 length][raw snappy]), other clients raw snappy; decode accepts both, encode writes xerial
 *   (what the Java client and librdkafka both read). Library: snappyjs (pure JS).
 * - lz4: the standard LZ4 frame format (Kafka ≥ 0.10, KIP-57). Library: lz4js (pure JS).
 * - zstd: @mongodb-js/zstd (napi prebuilt from npm, no compiler needed).
 * Buffers in, buffers out; no I/O.
 */
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { StrataError } from '../errors.js';
import type { CompressionCodec } from './types.js';

const require = createRequire(import.meta.url);
const snappy = require('snappyjs') as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };
const lz4 = require('lz4js') as { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array };
type Zstd = { compress(b: Buffer, level?: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
let zstd: Zstd | undefined;
function loadZstd(): Zstd {
  zstd ??= require('@mongodb-js/zstd') as Zstd;
  return zstd;
}

export const CODEC_IDS: Record<CompressionCodec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
export const CODEC_NAMES: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function codecName(id: number): CompressionCodec {
  const name = CODEC_NAMES[id];
  if (!name) throw new StrataError('STRATA_ERR_UNSUPPORTED_COMPRESSION', `unknown compression codec id ${id}`);
  return name;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_BLOCK = 32 * 1024;

export async function compress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'snappy': {
      const parts: Buffer[] = [XERIAL_MAGIC, u32(1), u32(1)];
      for (let i = 0; i < data.length; i += XERIAL_BLOCK) {
        const block = Buffer.from(snappy.compress(data.subarray(i, i + XERIAL_BLOCK)));
        parts.push(u32(block.length), block);
      }
      return Buffer.concat(parts);
    }
    case 'lz4':
      return Buffer.from(lz4.compress(data));
    case 'zstd':
      return loadZstd().compress(data, 3);
  }
}

export async function decompress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  try {
    switch (codec) {
      case 'none':
        return data;
      case 'gzip':
        return gunzipSync(data);
      case 'snappy':
        return snappyDecode(data);
      case 'lz4':
        return Buffer.from(lz4.decompress(data));
      case 'zstd':
        return await loadZstd().decompress(data);
    }
  } catch (err) {
    if (err instanceof StrataError) throw err;
    throw new StrataError('STRATA_ERR_CORRUPT_RECORD_BATCH', `cannot decompress ${codec} records: ${(err as Error).message}`, { cause: err });
  }
}

function snappyDecode(data: Buffer): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(data));
  const parts: Buffer[] = [];
  let pos = 16; // magic(8) + version(4) + compatible version(4)
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new RangeError('truncated xerial block length');
    const len = data.readUInt32BE(pos);
    pos += 4;
    if (pos + len > data.length) throw new RangeError('truncated xerial block');
    parts.push(Buffer.from(snappy.uncompress(data.subarray(pos, pos + len))));
    pos += len;
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
