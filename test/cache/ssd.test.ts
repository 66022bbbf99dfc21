/** SSD tier: restart rebuild, corrupt blocks, torn temp files, full or unwritable disks. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TieredCache, type CacheLogger, type ObjectRef } from '../../cache/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { InstrumentedSource, blockFiles, contentOf, dirBytes, perTest } from './support.js';

const BS = 64 * 1024;
const { tempDir, track } = perTest('strata-ssd-');

async function fixture(blocks = 4) {
  const store = new MemoryStore();
  const body = contentOf('obj', blocks * BS + 77);
  const { etag } = await store.put('obj', body);
  const ref: ObjectRef = { key: 'obj', etag, size: body.length };
  const source = new InstrumentedSource(store);
  const warnings: Array<{ obj: object; msg?: string }> = [];
  const logger: CacheLogger = { warn: (obj, msg) => warnings.push({ obj, msg }), info: () => {}, debug: () => {} };
  const open = (dir: string, bytes = 64 * BS, admission: 'always' | 'second-miss' = 'always'): TieredCache => {
    return track(new TieredCache(source, { blockSize: BS, memoryBytes: 16 * BS, ssd: { dir, bytes, admission }, logger }));
  };
  return { store, body, ref, source, open, warnings };
}

describe('SSD tier', () => {
  it('survives restart: the index is rebuilt from the directory and serves without GETs', async () => {
    const { ref, body, source, open } = await fixture();
    const dir = tempDir();
    const a = open(dir);
    await a.read(ref, 0, ref.size);
    await a.close();
    expect(blockFiles(dir)).toHaveLength(5);
    source.reset();
    const b = open(dir);
    await b.ready();
    expect(b.stats().blocks.ssd).toBe(5);
    expect(b.stats().bytes.ssd).toBe(dirBytes(dir));
    expect((await b.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(source.gets).toBe(0);
    expect(b.stats().hits.ssd).toBe(5);
    // promoted to memory: a second read hits memory
    await b.read(ref, 0, ref.size);
    expect(b.stats().hits.memory).toBe(5);
  });

  it('second-miss admission (the default): a one-pass read writes nothing; a block fetched again is written, then served from SSD', async () => {
    const { ref, body, source, open } = await fixture();
    const dir = tempDir();
    const a = open(dir, 64 * BS, 'second-miss');
    expect((await a.read(ref, 0, ref.size)).equals(body)).toBe(true);
    await a.flush();
    expect(blockFiles(dir)).toHaveLength(0);
    expect(a.stats().ssd.notAdmitted).toBe(5);
    a.invalidate(ref.key); // out of memory: the next read fetches again
    expect((await a.read(ref, 0, ref.size)).equals(body)).toBe(true);
    await a.flush();
    expect(blockFiles(dir)).toHaveLength(5);
    a.invalidate(ref.key);
    source.reset();
    expect((await a.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(source.gets).toBe(0);
    expect(a.stats().hits.ssd).toBe(5);
    // the default when admission is not given
    const d = track(new TieredCache(source, { blockSize: BS, memoryBytes: 16 * BS, ssd: { dir: tempDir(), bytes: 64 * BS } }));
    await d.read(ref, 0, ref.size);
    expect(d.stats().ssd.notAdmitted).toBe(5);
  });

  it('written blocks (put) that nobody read go to SSD when memory evicts them; blocks read while in memory do not', async () => {
    const store = new MemoryStore();
    const source = new InstrumentedSource(store);
    const dir = tempDir();
    const cache = track(new TieredCache(source, { blockSize: BS, memoryBytes: 4 * BS, ssd: { dir, bytes: 64 * BS } }));
    await cache.ready();
    const refs: Array<{ ref: ObjectRef; body: Buffer }> = [];
    for (let i = 0; i < 8; i++) {
      const body = contentOf(`w${i}`, BS);
      const { etag } = await store.put(`w${i}`, body);
      const ref = { key: `w${i}`, etag, size: body.length };
      cache.put(ref, body); // freshly written: served from memory without a GET
      refs.push({ ref, body });
      if (i % 2 === 1) expect((await cache.read(ref, 0, BS)).equals(body)).toBe(true); // read while in memory
    }
    await cache.flush();
    expect(source.gets).toBe(0);
    // memory holds the last 4; of the 4 evicted, the 2 never read (w0, w2) were kept on SSD
    expect(cache.stats().ssd.unreadPutsKept).toBe(2);
    expect(blockFiles(dir)).toHaveLength(2);
    for (const i of [0, 2]) expect((await cache.read(refs[i]!.ref, 0, BS)).equals(refs[i]!.body)).toBe(true);
    expect(source.gets).toBe(0);
    expect(cache.stats().hits.ssd).toBe(2);
    // w1, w3 were read once while fresh (a consumer keeping up): not kept, so read from the store again
    expect((await cache.read(refs[1]!.ref, 0, BS)).equals(refs[1]!.body)).toBe(true);
    expect(source.gets).toBe(1);
  });

  it('a reader catching up from SSD cycles its own blocks through memory, not the written blocks it has not reached', async () => {
    const store = new MemoryStore();
    const source = new InstrumentedSource(store);
    const dir = tempDir();
    // 8 blocks of memory, a 2-block prefetch window: unread written blocks keep at most 6 blocks when a reader needs room
    const cache = track(new TieredCache(source, { blockSize: BS, memoryBytes: 8 * BS, prefetch: { bytes: 2 * BS }, ssd: { dir, bytes: 64 * BS } }));
    await cache.ready();
    const refs: ObjectRef[] = [];
    const bodies: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      bodies.push(contentOf(`w${i}`, BS));
      refs.push({ key: `w${i}`, etag: 'e', size: BS });
      cache.put(refs[i]!, bodies[i]!); // a producer ahead of its consumer: nobody reads these yet
    }
    await cache.flush();
    expect(cache.stats().ssd.unreadPutsKept).toBe(4); // w0..w3 went to SSD, w4..w11 are in memory
    // the consumer catches up in order
    for (let i = 0; i < 12; i++) expect((await cache.read(refs[i]!, 0, BS)).equals(bodies[i]!)).toBe(true);
    await cache.flush();
    const st = cache.stats();
    // the first two reads from SSD pushed w4 and w5 out (written data over its share); after that, the reader's
    // own blocks made room for each other, and w6..w11 were still in memory when the reader got there
    expect(st.ssd.unreadPutsKept).toBe(6);
    expect(st.hits.ssd).toBe(6);
    expect(st.hits.memory).toBe(6);
    expect(source.gets).toBe(0);
  });

  it('noteRead: a written block read from a copy outside the cache (the log\'s tail buffer) counts as read', async () => {
    const store = new MemoryStore();
    const dir = tempDir();
    const cache = track(new TieredCache(new InstrumentedSource(store), { blockSize: BS, memoryBytes: 2 * BS, ssd: { dir, bytes: 64 * BS } }));
    await cache.ready();
    const ref = (i: number): ObjectRef => ({ key: `w${i}`, etag: 'e', size: 2 * BS });
    cache.put(ref(0), contentOf('w0', 2 * BS));
    cache.noteRead(ref(0), BS + 10, 100); // its second block only
    cache.put(ref(1), contentOf('w1', 2 * BS)); // pushes w0 out
    await cache.flush();
    expect(cache.stats().ssd.unreadPutsKept).toBe(1); // w0's first block, never read
    expect(blockFiles(dir)).toHaveLength(1);
  });

  it('keepUnreadPuts: false keeps written blocks in memory only', async () => {
    const store = new MemoryStore();
    const dir = tempDir();
    const cache = track(new TieredCache(new InstrumentedSource(store), { blockSize: BS, memoryBytes: 2 * BS, ssd: { dir, bytes: 64 * BS, keepUnreadPuts: false } }));
    await cache.ready();
    for (let i = 0; i < 6; i++) cache.put({ key: `w${i}`, etag: 'e', size: BS }, contentOf(`w${i}`, BS));
    await cache.flush();
    expect(blockFiles(dir)).toHaveLength(0);
    expect(cache.stats().ssd.unreadPutsKept).toBe(0);
  });

  it('a corrupt block on disk (one flipped byte) is dropped and re-fetched', async () => {
    const { ref, body, source, open, warnings } = await fixture();
    const dir = tempDir();
    const a = open(dir);
    await a.read(ref, 0, ref.size);
    await a.close();
    for (const f of blockFiles(dir)) {
      const p = join(dir, f);
      const buf = readFileSync(p);
      buf[buf.length - 10] ^= 0x01; // flip one bit of the data
      writeFileSync(p, buf);
    }
    writeFileSync(join(dir, 'abc.blk'), Buffer.from('truncated garbage'));
    source.reset();
    const b = open(dir);
    expect((await b.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(source.gets).toBe(5);
    expect(b.stats().ssd.corrupt).toBe(5);
    expect(warnings.some((w) => (w.obj as { code?: string }).code === 'STRATA_ERR_CACHE_CORRUPT_BLOCK')).toBe(true);
    await b.flush();
    expect(blockFiles(dir)).toHaveLength(6); // re-written good copies + the garbage file (never read)
  });

  it('deletes torn temp files at open and never serves them', async () => {
    const { ref, body, source, open } = await fixture();
    const dir = tempDir();
    writeFileSync(join(dir, 'deadbeef.blk.123.tmp'), Buffer.alloc(1000, 1));
    const c = open(dir);
    await c.ready();
    expect(dirBytes(dir)).toBe(0);
    expect((await c.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(source.gets).toBe(5);
  });

  it('an unwritable disk: keeps serving from the store, counts the errors and logs once', async () => {
    const { ref, body, source, open, warnings } = await fixture(8);
    const dir = tempDir();
    const c = open(dir);
    await c.ready();
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'not a directory'); // every write now fails with ENOTDIR
    for (let i = 0; i < 3; i++) {
      c.invalidate(ref.key);
      expect((await c.read(ref, 0, ref.size)).equals(body)).toBe(true);
      await c.flush();
    }
    expect(source.gets).toBe(27);
    const s = c.stats();
    expect(s.ssd.writeErrors).toBeGreaterThanOrEqual(1);
    expect(s.ssd.writeErrors + s.ssd.writesSkipped).toBe(27); // after an error, writes pause instead of hammering the disk
    expect(warnings.filter((w) => (w.obj as { code?: string }).code === 'STRATA_ERR_CACHE_DISK_FULL')).toHaveLength(1);
    expect(s.bytes.ssd).toBe(0);
  });

  it('a directory that cannot be opened: runs memory-only', async () => {
    const { ref, body, open, warnings } = await fixture();
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    const c = open(join(file, 'sub'));
    expect((await c.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(c.stats().blocks.ssd).toBe(0);
    expect(warnings).toHaveLength(1);
  });

  it('a budget smaller than a block: writes are skipped, reads still served', async () => {
    const { ref, body, open } = await fixture();
    const dir = tempDir();
    const c = open(dir, BS / 2);
    expect((await c.read(ref, 0, ref.size)).equals(body)).toBe(true);
    await c.flush();
    expect(dirBytes(dir)).toBeLessThanOrEqual(BS / 2);
    expect(c.stats().ssd.writesSkipped).toBe(4);
  });

  it('a smaller budget at restart evicts the oldest files down to it', async () => {
    const { ref, open } = await fixture(8);
    const dir = tempDir();
    const a = open(dir);
    await a.read(ref, 0, ref.size);
    await a.close();
    const b = open(dir, 3 * BS + 1000);
    await b.ready();
    expect(dirBytes(dir)).toBeLessThanOrEqual(3 * BS + 1000);
    expect(b.stats().evictions.ssd).toBeGreaterThan(0);
  });
});
