/**
 * SSD block reads and checksums in a worker thread (cache/block-worker.ts): the worker fills shared memory in
 * place and gives the same answers as the in-place path; a worker that dies mid-read has its work redone;
 * through the cache, corrupt, truncated and overlong block files are still caught on the worker path.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TieredCache, type ObjectRef } from '../../cache/index.js';
import { BlockPool, PooledBlock } from '../../cache/block-pool.js';
import { BlockWorker, IN_PLACE } from '../../cache/block-worker.js';
import { MemoryStore } from '../../src/store/memory.js';
import { InstrumentedSource, blockFiles, contentOf, perTest } from './support.js';

const BS = 512 * 1024; // above MIN_OFFLOAD: full blocks go through the worker
const { tempDir, track } = perTest('strata-block-worker-');
const sharedBuf = (n: number): Buffer => Buffer.from(new SharedArrayBuffer(n));

function blockFile(dir: string, header: number, data: Buffer): string {
  const path = join(dir, 'f.blk');
  writeFileSync(path, Buffer.concat([Buffer.alloc(header, 0xab), data]));
  return path;
}

describe('BlockWorker', () => {
  it('reads a file into shared memory and checksums it, as the in-place path does', async () => {
    const data = contentOf('w', BS);
    const path = blockFile(tempDir(), 40, data);
    const w = new BlockWorker();
    try {
      const into = sharedBuf(BS);
      const r = await w.readBlock(path, 40, into);
      const expected = await IN_PLACE.readBlock(path, 40, Buffer.alloc(BS));
      expect(into.equals(data)).toBe(true);
      expect(r.bytesRead).toBe(40 + BS);
      expect(r.crc).toBe(crc32(data));
      expect(r).toEqual(expected);
      expect(await w.crc(into)).toBe(crc32(data));
      // a longer file shows as one byte more than expected
      writeFileSync(path, Buffer.concat([Buffer.alloc(40), data, Buffer.from('xy')]));
      expect((await w.readBlock(path, 40, into)).bytesRead).toBe(40 + BS + 1);
      await expect(w.readBlock(join(tempDir(), 'missing.blk'), 40, into)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await w.close();
    }
  });

  it('a worker that dies mid-read: the read is redone in place, and later ones stay in place', async () => {
    const data = contentOf('die', 8 * BS);
    const path = blockFile(tempDir(), 24, data);
    const warnings: string[] = [];
    const w = new BlockWorker({ warn: (_o, msg) => warnings.push(msg ?? ''), info: () => {}, debug: () => {} });
    const into = sharedBuf(8 * BS);
    const pending = w.readBlock(path, 24, into);
    await (w as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const r = await pending;
    expect(r.crc).toBe(crc32(data));
    expect(into.equals(data)).toBe(true);
    expect(warnings).toEqual(['SSD block worker failed; reading and checksumming on the event loop']);
    expect((await w.readBlock(path, 24, sharedBuf(8 * BS))).crc).toBe(crc32(data));
    await w.close();
  });
});

describe('BlockPool with shared buffers', () => {
  it('new buffers are shared while blocks come back, plain while they escape', () => {
    const pool = new BlockPool(1024, 0, true); // keeps no free buffers: every take() allocates
    expect(pool.take().buf.buffer).toBeInstanceOf(SharedArrayBuffer);
    const escapeOne = (): void => pool.escape(new PooledBlock(pool.take().buf));
    escapeOne();
    expect(pool.take().buf.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    for (let i = 0; i < 40; i++) escapeOne();
    const recycleOne = (): void => {
      const b = new PooledBlock(pool.take().buf);
      pool.evicted(b); // not resident, no pins, not escaped: recycled
    };
    for (let i = 0; i < 16; i++) recycleOne(); // the score is bounded: 16 recycles undo any number of escapes
    expect(pool.take().buf.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new BlockPool(1024, 0).take().buf.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('SSD tier on the worker path', () => {
  async function fixture() {
    const store = new MemoryStore();
    const body = contentOf('obj', 4 * BS);
    const { etag } = await store.put('obj', body);
    const ref: ObjectRef = { key: 'obj', etag, size: body.length };
    const source = new InstrumentedSource(store);
    const dir = tempDir();
    const open = (worker?: boolean): TieredCache => track(new TieredCache(source, { blockSize: BS, memoryBytes: 2 * BS, prefetch: { enabled: false }, ssd: { dir, bytes: 64 * BS, admission: 'always', worker } }));
    return { body, ref, source, dir, open };
  }

  /** Reads the whole object with one lease per block; says whether every block sat in shared memory. */
  async function readAll(c: TieredCache, ref: ObjectRef): Promise<{ bytes: Buffer; shared: boolean }> {
    const parts: Buffer[] = [];
    let shared = true;
    for (let off = 0; off < ref.size; off += BS) {
      const lease = await c.readLease(ref, off, BS);
      shared &&= lease.parts[0]!.buffer instanceof SharedArrayBuffer;
      parts.push(Buffer.from(lease.parts[0]!));
      lease.release();
    }
    return { bytes: Buffer.concat(parts), shared };
  }

  it('warm reads come from SSD in shared buffers; worker: false keeps plain buffers', async () => {
    const { body, ref, source, open } = await fixture();
    const a = open();
    expect((await readAll(a, ref)).bytes.equals(body)).toBe(true);
    await a.close();
    source.reset();
    const b = open();
    const warm = await readAll(b, ref);
    expect(warm.bytes.equals(body)).toBe(true);
    expect(warm.shared).toBe(true);
    expect(b.stats().hits.ssd).toBe(4);
    expect(source.gets).toBe(0);
    await b.close();
    const c = open(false);
    const plain = await readAll(c, ref);
    expect(plain.bytes.equals(body)).toBe(true);
    expect(plain.shared).toBe(false);
    expect(c.stats().hits.ssd).toBe(4);
  });

  it('a flipped byte, a truncated file and a file with a byte too many are dropped and re-fetched', async () => {
    const { body, ref, source, dir, open } = await fixture();
    const a = open();
    await readAll(a, ref);
    await a.close();
    const files = blockFiles(dir).map((f) => join(dir, f));
    expect(files).toHaveLength(4);
    const damage = [
      (b: Buffer) => Buffer.concat([b.subarray(0, b.length - 7), Buffer.from([b[b.length - 7]! ^ 0x10]), b.subarray(b.length - 6)]),
      (b: Buffer) => b.subarray(0, b.length - 1),
      (b: Buffer) => Buffer.concat([b, Buffer.from([0])]),
    ];
    damage.forEach((d, i) => writeFileSync(files[i]!, d(readFileSync(files[i]!))));
    source.reset();
    const b = open();
    const r = await readAll(b, ref);
    expect(r.bytes.equals(body)).toBe(true);
    expect(b.stats().ssd.corrupt).toBe(3);
    expect(b.stats().hits.ssd).toBe(1);
    expect(source.gets).toBe(3);
  });
});
