import { describe, expect, it } from 'vitest';
import { CRC32C_IMPL, crc32c, crc32cJs } from '../../src/log/crc32c.js';
import { compress } from '../../src/log/compression.js';
import { murmur2, partitionForKey } from '../../src/log/murmur2.js';
import { BATCH_HEADER_SIZE, decodeBatch, encodeBatch, iterateBatches, readBatchHeader, setBaseOffset, validateBatch } from '../../src/log/record-batch.js';
import type { CompressionCodec, RecordInput } from '../../src/log/types.js';
import { decodeWal, encodeWal } from '../../src/log/wal-format.js';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';

const records: RecordInput[] = [
  { key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{ key: 'h', value: Buffer.from('v') }, { key: 'nul', value: null }], timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from('x'.repeat(3000)), timestamp: 1_700_000_000_005 },
  { value: null, timestamp: 1_699_999_999_999 },
];

describe('crc32c', () => {
  it('matches the standard check value and is incremental', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const b = Buffer.from('hello world, this is a longer buffer for slicing-by-8');
    expect(crc32c(b.subarray(7), crc32c(b.subarray(0, 7)))).toBe(crc32c(b));
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });

  it('the native implementation agrees with the JavaScript one on ranges, continuations and views', () => {
    // the prebuilt binary exists for this platform: losing it (a missing dependency) would only show as speed
    if (process.platform === 'linux' && process.arch === 'x64') expect(CRC32C_IMPL).toBe('native');
    const big = Buffer.allocUnsafe(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 9) * 7) & 0xff;
    const view = big.subarray(333); // a view that does not start at its ArrayBuffer's offset 0
    let seed = 1;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let k = 0; k < 200; k++) {
      const start = rnd(view.length);
      const end = start + rnd(view.length - start + 1);
      const prev = rnd(2 ** 31);
      expect(crc32c(view, prev, start, end)).toBe(crc32cJs(view, prev, start, end));
    }
    const cut = 40_001;
    expect(crc32c(view, crc32c(view, 0, 0, cut), cut, view.length)).toBe(crc32cJs(view));
  });
});

describe('murmur2 (Kafka default partitioner)', () => {
  it('matches Kafka UtilsTest vectors', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s))).toBe(h);
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });
});

describe('RecordBatch v2', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionCodec[]) {
    it(`round-trips with ${codec}`, async () => {
      const b = await encodeBatch(records, { compression: codec, baseOffset: 42, producerId: 7n, producerEpoch: 1, baseSequence: 3 });
      const h = validateBatch(b);
      expect(h).toMatchObject({ baseOffset: 42, magic: 2, compression: codec, lastOffsetDelta: 2, recordCount: 3, producerId: 7n, producerEpoch: 1, baseSequence: 3 });
      expect(h.baseTimestamp).toBe(1_699_999_999_999);
      expect(h.maxTimestamp).toBe(1_700_000_000_005);
      const { records: out } = await decodeBatch(b);
      expect(out.map((r) => r.offset)).toEqual([42, 43, 44]);
      expect(out[0]!.key!.toString()).toBe('k1');
      expect(out[0]!.value!.toString()).toBe('hello');
      expect(out[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('v') }, { key: 'nul', value: null }]);
      expect(out[1]!.key).toBeNull();
      expect(out[1]!.value!.length).toBe(3000);
      expect(out[2]!.value).toBeNull();
      expect(out.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_005, 1_699_999_999_999]);
    });
  }

  it('decodes raw (non-xerial) snappy as sent by non-Java clients', async () => {
    const require = createRequire(import.meta.url);
    const snappy = require('snappyjs') as { compress(b: Uint8Array): Uint8Array };
    const plain = await encodeBatch(records);
    const raw = Buffer.from(snappy.compress(plain.subarray(BATCH_HEADER_SIZE)));
    const b = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), raw]);
    b.writeInt32BE(b.length - 12, 8);
    b.writeInt16BE(2, 21);
    b.writeUInt32BE(crc32c(b, 0, 21, b.length), 17);
    const { records: out } = await decodeBatch(b);
    expect(out.length).toBe(3);
    expect(out[0]!.value!.toString()).toBe('hello');
    expect((await compress('snappy', Buffer.from('abc'))).subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\0');
  });

  it('rejects a CRC mismatch and a wrong magic', async () => {
    const b = await encodeBatch(records);
    const bad = Buffer.from(b);
    bad[bad.length - 1] ^= 0xff;
    expect(() => validateBatch(bad)).toThrowError(/CRC mismatch/);
    await expect(decodeBatch(bad)).rejects.toMatchObject({ code: 'STRATA_ERR_CORRUPT_RECORD_BATCH' });
    const magic = Buffer.from(b);
    magic[16] = 1;
    expect(() => readBatchHeader(magic)).toThrowError(/magic/);
    expect(() => validateBatch(b.subarray(0, 30))).toThrowError(/too short/);
  });

  it('base offset rewrite keeps the CRC valid; batches iterate', async () => {
    const a = await encodeBatch(records.slice(0, 1));
    const b = await encodeBatch(records.slice(1));
    setBaseOffset(b, 1);
    validateBatch(b);
    const all = [...iterateBatches(Buffer.concat([a, b]))];
    expect(all.map((x) => [x.pos, x.header.baseOffset])).toEqual([[0, 0], [a.length, 1]]);
  });
});

describe('WAL object format', () => {
  it('round-trips and detects corruption', () => {
    const data = Buffer.from('abcdef');
    // the chunk arrives in pieces (one batch each): they are checksummed and laid out as one chunk
    const wal = encodeWal(3, 9, 1234, [{ topicId: 't', ns: 'n', topic: 'x', partition: 0, baseOffset: 0, lastOffset: 0, maxTimestamp: 1, records: 1, data: [data.subarray(0, 2), data.subarray(2)] }]);
    const { index, dataStart } = decodeWal(wal.body);
    expect(index).toMatchObject({ epoch: 3, seq: 9, createdAt: 1234 });
    const c = index.chunks[0]!;
    expect(wal.body.subarray(dataStart + c.pos, dataStart + c.pos + c.len)).toEqual(data);
    expect(crc32(data)).toBe(c.crc32);
    expect(c.crc).toBeUndefined();
    const bad = Buffer.from(wal.body);
    bad[dataStart] ^= 1;
    expect(() => decodeWal(bad, 'k')).toThrowError(/chunk checksum/);
    const badIndex = Buffer.from(wal.body);
    badIndex[20] ^= 1;
    expect(() => decodeWal(badIndex, 'k')).toThrowError(/checksum|JSON/);
  });

  it('reads objects written with CRC32C chunk checksums (before CRC-32), and checks them', () => {
    const data = Buffer.from('older object');
    // the layout of an object from before: the same, with `crc` = CRC32C in the chunk metadata
    const index = { epoch: 1, seq: 2, createdAt: 3, chunks: [{ topicId: 't', ns: 'n', topic: 'x', partition: 0, baseOffset: 0, lastOffset: 0, maxTimestamp: 1, records: 1, pos: 0, len: data.length, crc: crc32c(data) }] };
    const json = Buffer.from(JSON.stringify(index));
    const head = Buffer.alloc(16);
    head.write('STRATAWL', 0, 'ascii');
    head.writeUInt32BE(1, 8);
    head.writeUInt32BE(json.length, 12);
    const body = Buffer.concat([head, json, data, Buffer.alloc(4)]);
    body.writeUInt32BE(crc32c(body, 0, 0, 16 + json.length), body.length - 4);
    expect(decodeWal(body).index.chunks[0]).toMatchObject({ crc: crc32c(data) });
    const bad = Buffer.from(body);
    bad[16 + json.length + 3] ^= 4;
    expect(() => decodeWal(bad, 'k')).toThrowError(/chunk checksum/);
    // neither checksum: refused
    const none = { ...index, chunks: [{ ...index.chunks[0]!, crc: undefined }] };
    const json2 = Buffer.from(JSON.stringify(none));
    head.writeUInt32BE(json2.length, 12);
    const body2 = Buffer.concat([head, json2, data, Buffer.alloc(4)]);
    body2.writeUInt32BE(crc32c(body2, 0, 0, 16 + json2.length), body2.length - 4);
    expect(() => decodeWal(body2, 'k')).toThrowError(/chunk checksum/);
  });
});
