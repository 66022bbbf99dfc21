/**
 * Kafka RecordBatch v2 codec (magic 2), no I/O. Grammar (KIP-98, Kafka "Message format"):
 *
 *   baseOffset: int64 | batchLength: int32 | partitionLeaderEpoch: int32 | magic: int8 (= 2)
 *   crc: uint32 (CRC32C of attributes .. end) | attributes: int16 | lastOffsetDelta: int32
 *   baseTimestamp: int64 | maxTimestamp: int64 | producerId: int64 | producerEpoch: int16
 *   baseSequence: int32 | recordCount: int32 | records (compressed as a whole when codec ≠ none)
 *
 *   Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *           keyLength varint (-1 = null) | key | valueLength varint | value
 *           headerCount varint | [headerKeyLength varint | key (UTF-8) | headerValueLength varint | value]
 *
 *   attributes: bits 0-2 compression, bit 3 timestampType (1 = LogAppendTime), bit 4 transactional,
 *   bit 5 control.
 */
import { StrataError } from '../errors.js';
import { crc32c } from './crc32c.js';
import { CODEC_IDS, codecName, compress, decompress } from './compression.js';
import type { CompressionCodec, RecordInput, StoredRecord } from './types.js';
import { VarReader, varintSize, writeVarint } from './varint.js';

export const BATCH_HEADER_SIZE = 61;
/** Byte positions inside a batch. */
export const POS = { baseOffset: 0, batchLength: 8, leaderEpoch: 12, magic: 16, crc: 17, attributes: 21, lastOffsetDelta: 23, baseTimestamp: 27, maxTimestamp: 35, producerId: 43, producerEpoch: 51, baseSequence: 53, recordCount: 57 } as const;

export interface BatchHeader {
  baseOffset: number;
  /** Total size of the batch in bytes (batchLength + 12). */
  size: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionCodec;
  logAppendTime: boolean;
  transactional: boolean;
  control: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function corrupt(msg: string): StrataError {
  return new StrataError('STRATA_ERR_CORRUPT_RECORD_BATCH', msg);
}

/** Reads the fixed header of the batch at `pos` (no CRC check). */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) throw corrupt(`record batch too short: ${buf.length - pos} bytes`);
  const batchLength = buf.readInt32BE(pos + POS.batchLength);
  const magic = buf.readInt8(pos + POS.magic);
  if (magic !== 2) throw corrupt(`unsupported record batch magic ${magic} (only v2 is accepted)`);
  if (batchLength < BATCH_HEADER_SIZE - 12 || pos + batchLength + 12 > buf.length) throw corrupt(`record batch length ${batchLength} does not match ${buf.length - pos} bytes`);
  const attributes = buf.readInt16BE(pos + POS.attributes);
  return {
    baseOffset: Number(buf.readBigInt64BE(pos + POS.baseOffset)),
    size: batchLength + 12,
    partitionLeaderEpoch: buf.readInt32BE(pos + POS.leaderEpoch),
    magic,
    crc: buf.readUInt32BE(pos + POS.crc),
    attributes,
    compression: codecName(attributes & 0x07),
    logAppendTime: (attributes & 0x08) !== 0,
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
    lastOffsetDelta: buf.readInt32BE(pos + POS.lastOffsetDelta),
    baseTimestamp: Number(buf.readBigInt64BE(pos + POS.baseTimestamp)),
    maxTimestamp: Number(buf.readBigInt64BE(pos + POS.maxTimestamp)),
    producerId: buf.readBigInt64BE(pos + POS.producerId),
    producerEpoch: buf.readInt16BE(pos + POS.producerEpoch),
    baseSequence: buf.readInt32BE(pos + POS.baseSequence),
    recordCount: buf.readInt32BE(pos + POS.recordCount),
  };
}

/** Checks one whole batch (exactly `buf`): structure and CRC32C. Returns its header. */
export function validateBatch(buf: Buffer): BatchHeader {
  const h = readBatchHeader(buf, 0);
  if (h.size !== buf.length) throw corrupt(`record batch length ${h.size} does not match ${buf.length} bytes`);
  const crc = crc32c(buf, 0, POS.attributes, buf.length);
  if (crc !== h.crc) throw corrupt(`record batch CRC mismatch: stored ${h.crc.toString(16)}, computed ${crc.toString(16)}`);
  if (h.recordCount < 0 || h.lastOffsetDelta < 0) throw corrupt('negative record count or offset delta');
  return h;
}

/** Splits concatenated batches (a chunk or a .seg) into [position, header] pairs without CRC checks. */
export function* iterateBatches(buf: Buffer): Generator<{ pos: number; header: BatchHeader }> {
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= buf.length) {
    const header = readBatchHeader(buf, pos);
    yield { pos, header };
    pos += header.size;
  }
  if (pos !== buf.length) throw corrupt(`trailing ${buf.length - pos} bytes after the last record batch`);
}

export function setBaseOffset(buf: Buffer, baseOffset: number, pos = 0): void {
  buf.writeBigInt64BE(BigInt(baseOffset), pos + POS.baseOffset);
}

/** For LogAppendTime topics: sets maxTimestamp and re-computes the CRC (as Kafka brokers do). */
export function setLogAppendTime(buf: Buffer, time: number): void {
  buf.writeInt16BE(buf.readInt16BE(POS.attributes) | 0x08, POS.attributes);
  buf.writeBigInt64BE(BigInt(time), POS.maxTimestamp);
  buf.writeUInt32BE(crc32c(buf, 0, POS.attributes, buf.length), POS.crc);
}

export interface EncodeOptions {
  baseOffset?: number;
  compression?: CompressionCodec;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Timestamp used for records without one. */
  now?: number;
}

function encodeRecord(r: RecordInput, offsetDelta: number, timestampDelta: number): Buffer {
  const headers = r.headers ?? [];
  const key = r.key ?? null;
  const value = r.value ?? null;
  let body = 1 + varintSize(timestampDelta) + varintSize(offsetDelta);
  body += key ? varintSize(key.length) + key.length : 1;
  body += value ? varintSize(value.length) + value.length : 1;
  body += varintSize(headers.length);
  const hkeys = headers.map((h) => Buffer.from(h.key, 'utf8'));
  headers.forEach((h, i) => {
    body += varintSize(hkeys[i]!.length) + hkeys[i]!.length + (h.value ? varintSize(h.value.length) + h.value.length : 1);
  });
  const out = Buffer.allocUnsafe(varintSize(body) + body);
  let p = writeVarint(out, 0, body);
  out[p++] = 0; // record attributes (unused)
  p = writeVarint(out, p, timestampDelta);
  p = writeVarint(out, p, offsetDelta);
  p = writeBytes(out, p, key);
  p = writeBytes(out, p, value);
  p = writeVarint(out, p, headers.length);
  headers.forEach((h, i) => {
    p = writeBytes(out, p, hkeys[i]!);
    p = writeBytes(out, p, h.value);
  });
  return out;
}

function writeBytes(out: Buffer, p: number, b: Buffer | null): number {
  if (!b) return writeVarint(out, p, -1);
  p = writeVarint(out, p, b.length);
  b.copy(out, p);
  return p + b.length;
}

/** Encodes records into one RecordBatch v2 (CRC filled in). */
export async function encodeBatch(records: RecordInput[], options: EncodeOptions = {}): Promise<Buffer> {
  if (records.length === 0) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'a record batch needs at least one record');
  const now = options.now ?? Date.now();
  const stamps = records.map((r) => r.timestamp ?? now);
  const baseTimestamp = Math.min(...stamps);
  const maxTimestamp = Math.max(...stamps);
  const raw = Buffer.concat(records.map((r, i) => encodeRecord(r, i, stamps[i]! - baseTimestamp)));
  const codec = options.compression ?? 'none';
  const body = await compress(codec, raw);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  buf.writeBigInt64BE(BigInt(options.baseOffset ?? 0), POS.baseOffset);
  buf.writeInt32BE(buf.length - 12, POS.batchLength);
  buf.writeInt32BE(-1, POS.leaderEpoch);
  buf.writeInt8(2, POS.magic);
  buf.writeInt16BE(CODEC_IDS[codec], POS.attributes);
  buf.writeInt32BE(records.length - 1, POS.lastOffsetDelta);
  buf.writeBigInt64BE(BigInt(baseTimestamp), POS.baseTimestamp);
  buf.writeBigInt64BE(BigInt(maxTimestamp), POS.maxTimestamp);
  buf.writeBigInt64BE(options.producerId ?? -1n, POS.producerId);
  buf.writeInt16BE(options.producerEpoch ?? -1, POS.producerEpoch);
  buf.writeInt32BE(options.baseSequence ?? -1, POS.baseSequence);
  buf.writeInt32BE(records.length, POS.recordCount);
  body.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf, 0, POS.attributes, buf.length), POS.crc);
  return buf;
}

/** Decodes the records of one batch (decompressing when needed). Control batches yield no records. */
export async function decodeBatch(buf: Buffer, options: { verifyCrc?: boolean } = {}): Promise<{ header: BatchHeader; records: StoredRecord[] }> {
  const header = options.verifyCrc === false ? readBatchHeader(buf) : validateBatch(buf.subarray(0, readBatchHeader(buf).size));
  if (header.control) return { header, records: [] };
  const body = await decompress(header.compression, buf.subarray(BATCH_HEADER_SIZE, header.size));
  const r = new VarReader(body, 0);
  const records: StoredRecord[] = [];
  try {
    for (let i = 0; i < header.recordCount; i++) {
      const len = r.varint();
      const end = r.pos + len;
      r.int8();
      const tsDelta = r.varint();
      const offsetDelta = r.varint();
      const key = r.bytes();
      const value = r.bytes();
      const n = r.varint();
      const headers = [];
      for (let j = 0; j < n; j++) {
        const hk = r.bytes();
        headers.push({ key: hk ? hk.toString('utf8') : '', value: r.bytes() });
      }
      if (r.pos !== end) throw new RangeError(`record ${i} length mismatch`);
      records.push({
        offset: header.baseOffset + offsetDelta,
        timestamp: header.logAppendTime ? header.maxTimestamp : header.baseTimestamp + tsDelta,
        key,
        value,
        headers,
      });
    }
  } catch (err) {
    if (err instanceof StrataError) throw err;
    throw corrupt(`malformed records in batch at offset ${header.baseOffset}: ${(err as Error).message}`);
  }
  return { header, records };
}
