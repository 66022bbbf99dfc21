/**
 * Epoch batches of a mount read through the tiered cache in one pass (Mount.readMany → TieredCache.readLeaseMany):
 * the same records, byte for byte, as record-by-record reads; one GET per touched block; leases released; a
 * changed source object still named per record (the batch falls back to per-record reads).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TieredCache } from '../../cache/index.js';
import { BatchService } from '../../src/broker/batch/service.js';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import type { RangeReader } from '../../src/broker/mounts/types.js';
import { isStrataError } from '../../src/errors.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { ObjectStore } from '../../src/store/types.js';

const open: MountRegistry[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** jsonl objects with lines of 1-300 bytes; record g's line is `{"g":g,"pad":"…"}`. */
async function jsonlSource(objects: number, linesPer: number): Promise<{ src: MemoryStore; lines: string[] }> {
  const src = new MemoryStore('src');
  const lines: string[] = [];
  for (let o = 0; o < objects; o++) {
    const mine: string[] = [];
    for (let i = 0; i < linesPer; i++) {
      const g = lines.length;
      const line = JSON.stringify({ g, pad: 'x'.repeat((g * 37) % 290) });
      lines.push(line);
      mine.push(line);
    }
    await src.put(`d/${String(o).padStart(3, '0')}.jsonl`, Buffer.from(mine.join('\n') + '\n'));
  }
  return { src, lines };
}

async function mounted(src: ObjectStore, readerFor?: (store: ObjectStore) => RangeReader): Promise<MountRegistry> {
  const r = new MountRegistry({ store: new MemoryStore('meta'), keys: new Keys(), openS3: async () => src, readerFor, mount: { pollIntervalMs: 3_600_000 } });
  open.push(r);
  await r.create({ namespace: 'ns', topic: 't', source: 's3://bucket/d/', format: 'jsonl' });
  await r.require('ns', 't').refresh();
  return r;
}

describe('epoch batches of a mount in one pass through the cache', () => {
  it('the same records as record-by-record reads, one GET per block, every lease released', async () => {
    const { src, lines } = await jsonlSource(7, 60);
    const caches: TieredCache[] = [];
    let leases = 0;
    const cached = await mounted(src, (store) => {
      const c = new TieredCache(store, { blockSize: 512, memoryBytes: 1 << 20, prefetch: { enabled: false } });
      caches.push(c);
      const many = c.readLeaseMany.bind(c);
      // count the leases still out
      c.readLeaseMany = async (ranges, o) => {
        const l = await many(ranges, o);
        leases++;
        return { parts: l.parts, release: () => (leases--, l.release()) };
      };
      return c;
    });
    const plain = await mounted(src);
    const fast = new BatchService({ mounts: cached });
    const slow = new BatchService({ mounts: plain });
    for (const worldSize of [1, 3]) {
      const seen: number[] = [];
      for (let rank = 0; rank < worldSize; rank++) {
        const p = { seed: 'many', epoch: 2, rank, worldSize, batchSize: 32 };
        for (let pos = 0; pos >= 0; ) {
          const a = await fast.epochBatch('ns', 't', p, pos);
          const b = await slow.epochBatch('ns', 't', p, pos);
          expect(a.release, 'the cached mount reads in one pass').toBeTypeOf('function');
          expect(b.release).toBeUndefined();
          expect(a.records.map((r) => r.offset)).toEqual(b.records.map((r) => r.offset));
          a.records.forEach((r, i) => {
            expect(r.value!.toString()).toBe(lines[r.offset]);
            expect(r.value!.equals(b.records[i]!.value!)).toBe(true);
            expect(r.timestamp).toBe(b.records[i]!.timestamp);
            expect(r.key).toBeNull();
          });
          seen.push(...a.records.map((r) => r.offset));
          a.release!();
          pos = a.nextPosition;
        }
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(lines.length - (lines.length % worldSize));
    }
    expect(leases).toBe(0);
    const s = caches[0]!.stats();
    const blocks = Math.ceil(Buffer.byteLength(lines.join('\n')) / 512) + 7;
    expect(s.gets).toBeLessThanOrEqual(blocks); // each block fetched once (the memory tier holds them all)
  });

  it('a deleted source object: the batch falls back to record-by-record reads and names the record', async () => {
    const { src } = await jsonlSource(4, 10);
    let cache: TieredCache | undefined;
    const r = await mounted(src, (store) => (cache = new TieredCache(store, { blockSize: 256, memoryBytes: 1 << 20 })));
    await src.delete('d/002.jsonl');
    cache!.invalidate('d/002.jsonl'); // indexing cached its blocks: the version indexed would still be served
    const svc = new BatchService({ mounts: r });
    const p = { seed: 1, epoch: 0, rank: 0, worldSize: 1, batchSize: 40 };
    const err = await svc.epochBatch('ns', 't', p, 0).catch((e: unknown) => e);
    expect(isStrataError(err, 'STRATA_ERR_MOUNT_SOURCE_CHANGED'), String(err)).toBe(true);
    expect((err as { details: { key: string; offset: number } }).details).toMatchObject({ key: 'd/002.jsonl' });
    const ok = await svc.epochBatch('ns', 't', p, 0, undefined, true);
    expect(ok.skipped.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(ok.records).toHaveLength(30);
  });
});
