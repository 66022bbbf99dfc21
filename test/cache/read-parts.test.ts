/** readParts: a range as views of the cached blocks (no assembly copy), and read() built on it. */
import { describe, expect, it } from 'vitest';
import { TieredCache, type ObjectRef } from '../../cache/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { InstrumentedSource, perTest } from './support.js';

const BS = 1000;
const { tempDir, track } = perTest('strata-parts-');

async function setup(ssd: boolean): Promise<{ cache: TieredCache; source: InstrumentedSource; obj: ObjectRef; body: Buffer; dir: string }> {
  const store = new MemoryStore();
  const body = Buffer.from(Array.from({ length: 4500 }, (_, i) => (i * 7 + 3) & 0xff));
  const { etag } = await store.put('o', body);
  const source = new InstrumentedSource(store);
  const dir = tempDir();
  const cache = track(new TieredCache(source, { blockSize: BS, memoryBytes: 8 * BS, prefetch: { enabled: false }, ssd: ssd ? { dir, bytes: 64 * BS, admission: 'always' } : undefined }));
  return { cache, source, obj: { key: 'o', etag, size: body.length }, body, dir };
}

describe.each([false, true])('TieredCache.readParts (ssd %s)', (ssd) => {
  it('returns one view per block touched, together exactly the range; read() equals their concatenation', async () => {
    const { cache, source, obj, body } = await setup(ssd);
    for (const [offset, length] of [[0, 4500], [10, 20], [990, 20], [999, 2002], [1000, 1000], [4400, 500], [4500, 10], [0, 0], [2500, 0]] as const) {
      const parts = await cache.readParts(obj, offset, length);
      const end = Math.min(offset + length, body.length);
      const blocks = end > offset ? Math.floor((end - 1) / BS) - Math.floor(offset / BS) + 1 : 0;
      expect(parts).toHaveLength(blocks);
      expect(Buffer.concat(parts)).toEqual(body.subarray(offset, end));
      expect(await cache.read(obj, offset, length)).toEqual(body.subarray(offset, end));
    }
    expect(source.gets).toBe(5); // each block fetched once, whatever the reads
  });

  it('the views share memory with the cached blocks (nothing copied)', async () => {
    const { cache, obj } = await setup(ssd);
    const [a, b] = await cache.readParts(obj, 900, 300);
    const whole1 = await cache.read(obj, 0, 1000); // block 0, zero-copy view
    const whole2 = await cache.read(obj, 1000, 1000);
    expect(a!.buffer).toBe(whole1.buffer);
    expect(a!.byteOffset).toBe(whole1.byteOffset + 900);
    expect(b!.buffer).toBe(whole2.buffer);
    expect(b!.byteOffset).toBe(whole2.byteOffset);
  });

  it('checks the range and the signal like read()', async () => {
    const { cache, obj } = await setup(ssd);
    await expect(cache.readParts(obj, 4501, 1)).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_RANGE' });
    await expect(cache.readParts(obj, -1, 1)).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_RANGE' });
    await expect(cache.readParts(obj, 0, 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'STRATA_ERR_ABORTED' });
  });
});

describe('readParts from a warm SSD tier', () => {
  it('serves every block from SSD with no GET, as views', async () => {
    const { cache, obj, body, dir, source } = await setup(true);
    await cache.readParts(obj, 0, body.length);
    await cache.flush();
    const warm = track(new TieredCache(source, { blockSize: BS, memoryBytes: 8 * BS, prefetch: { enabled: false }, ssd: { dir, bytes: 64 * BS, admission: 'always' } }));
    const gets = source.gets;
    const parts = await warm.readParts(obj, 500, 3000);
    expect(parts).toHaveLength(4);
    expect(Buffer.concat(parts)).toEqual(body.subarray(500, 3500));
    expect(source.gets).toBe(gets);
    expect(warm.stats().hits.ssd).toBe(4);
  });
});
