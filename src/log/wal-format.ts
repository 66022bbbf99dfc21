/**
 * WAL object format (docs/reference/storage-format.md, "WAL objects"). No I/O.
 *
 *   magic "STRATAWL" (8) | version u32 (=1) | indexLength u32 | index (UTF-8 JSON, indexLength bytes)
 *   | chunk data … | crc32c u32 of the header and index (the chunk bytes are covered by their own crc)
 *
 * index = { epoch, seq, createdAt, chunks: [{ topicId, ns, topic, partition, baseOffset, lastOffset,
 *           maxTimestamp, records, pos, len, crc32 }] } — pos is relative to the first byte after the
 * index; len bytes of concatenated RecordBatch v2 with their final base offsets; crc32 = CRC-32 (IEEE,
 * zlib's native one: ~5× faster than the CRC32C in JS) of the chunk alone, so a ranged read of one chunk
 * can be checked without the whole object. Objects written before it carry `crc` (CRC32C) instead; both
 * are verified.
 */
import { crc32 } from 'node:zlib';
import { StrataError } from '../errors.js';
import { crc32c } from './crc32c.js';

export const WAL_MAGIC = Buffer.from('STRATAWL', 'ascii');
export const WAL_VERSION = 1;

export interface WalChunkMeta {
  topicId: string;
  ns: string;
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  records: number;
  pos: number;
  len: number;
  /** CRC-32 (IEEE) of the chunk: written since WAL chunks stopped using CRC32C. */
  crc32?: number;
  /** CRC32C of the chunk, in objects written before. */
  crc?: number;
}

export interface WalIndex {
  epoch: number;
  seq: number;
  createdAt: number;
  chunks: WalChunkMeta[];
}

export interface EncodedWal {
  body: Buffer;
  /** Absolute position of the first chunk byte in body. */
  dataStart: number;
  index: WalIndex;
}

export function encodeWal(epoch: number, seq: number, createdAt: number, chunks: Array<Omit<WalChunkMeta, 'pos' | 'len' | 'crc' | 'crc32'> & { data: Buffer[] }>): EncodedWal {
  const metas: WalChunkMeta[] = [];
  const datas: Buffer[] = [];
  let pos = 0;
  for (const c of chunks) {
    // the chunk's pieces go into the body as they are (one copy of every byte, into the body)
    let len = 0;
    let crc = 0;
    for (const d of c.data) {
      crc = crc32(d, crc);
      len += d.length;
      datas.push(d);
    }
    const { data: _ignored, ...rest } = c;
    metas.push({ ...rest, pos, len, crc32: crc });
    pos += len;
  }
  const index: WalIndex = { epoch, seq, createdAt, chunks: metas };
  const json = Buffer.from(JSON.stringify(index), 'utf8');
  const head = Buffer.alloc(16);
  WAL_MAGIC.copy(head, 0);
  head.writeUInt32BE(WAL_VERSION, 8);
  head.writeUInt32BE(json.length, 12);
  const body = Buffer.concat([head, json, ...datas, Buffer.alloc(4)]);
  body.writeUInt32BE(crc32c(body, 0, 0, 16 + json.length), body.length - 4);
  return { body, dataStart: 16 + json.length, index };
}

function corrupt(key: string, what: string): StrataError {
  return new StrataError('STRATA_ERR_CORRUPT_OBJECT', `WAL object ${key}: ${what}`, { details: { key } });
}

/** Parses and checks a whole WAL object. */
export function decodeWal(body: Buffer, key = '?'): { index: WalIndex; dataStart: number } {
  if (body.length < 20 || !body.subarray(0, 8).equals(WAL_MAGIC)) throw corrupt(key, 'bad magic');
  const version = body.readUInt32BE(8);
  if (version !== WAL_VERSION) throw corrupt(key, `unsupported version ${version}`);
  const len = body.readUInt32BE(12);
  if (16 + len > body.length - 4) throw corrupt(key, 'index runs past the end');
  if (crc32c(body, 0, 0, 16 + len) !== body.readUInt32BE(body.length - 4)) throw corrupt(key, 'header checksum mismatch');
  let index: WalIndex;
  try {
    index = JSON.parse(body.subarray(16, 16 + len).toString('utf8')) as WalIndex;
  } catch (err) {
    throw corrupt(key, `index is not JSON: ${(err as Error).message}`);
  }
  const dataStart = 16 + len;
  for (const c of index.chunks) {
    if (dataStart + c.pos + c.len > body.length - 4) throw corrupt(key, 'chunk runs past the end');
    const chunk = body.subarray(dataStart + c.pos, dataStart + c.pos + c.len);
    const ok = c.crc32 !== undefined ? crc32(chunk) === c.crc32 : c.crc !== undefined && crc32c(chunk) === c.crc;
    if (!ok) throw corrupt(key, `chunk checksum mismatch (${c.ns}/${c.topic}/${c.partition})`);
  }
  return { index, dataStart };
}
