import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { Keys } from '../../src/store/keys.js';
import { listAll, type ObjectStore } from '../../src/store/types.js';
import { iterateBatches, validateBatch } from '../../src/log/record-batch.js';
import { FaultStore } from '../../src/store/fault.js';
import { open, v } from './helpers.js';

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listAll(store, { prefix })) out.push(o.key);
  return out;
}

describe('compaction, retention, backpressure', () => {
  it('compacts WAL into .seg objects (valid Kafka logs), reads across segments and WAL, survives reopen', async () => {
    const store = new MemoryStore();
    const k = new Keys();
    const log = await open(store);
    await log.createTopic('ns', 't', { partitions: 2 });
    for (let i = 0; i < 20; i++) await log.append('ns', 't', i % 2, [v(`a${i}`)]);
    await log.compact();
    expect(await keys(store, k.walPrefix())).toEqual([]);
    const segs = await keys(store, k.topicPrefix('ns', 't'));
    expect(segs.length).toBe(2);
    const seg = (await store.get(segs[0]!)).body;
    const batches = [...iterateBatches(seg)];
    expect(batches.length).toBe(10);
    for (const { pos, header } of batches) validateBatch(seg.subarray(pos, pos + header.size));
    for (let i = 20; i < 30; i++) await log.append('ns', 't', i % 2, [v(`a${i}`)]);
    const all = await log.readRecords('ns', 't', 0, 3);
    expect(all.records.map((r) => r.value!.toString())).toEqual([6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28].map((i) => `a${i}`));
    const ts = await log.offsetForTimestamp('ns', 't', 1, 0);
    expect(ts?.offset).toBe(0);
    await log.close();
    const again = await open(store, { tailCacheBytes: 0 });
    const rec = await again.readRecords('ns', 't', 1, 0);
    expect(rec.records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 15 }, (_, i) => `a${i * 2 + 1}`));
    await again.compact();
    expect((await again.readRecords('ns', 't', 1, 9)).records.map((r) => r.offset)).toEqual([9, 10, 11, 12, 13, 14]);
    await again.close();
  });

  it('retention by bytes deletes whole old segments and moves logStartOffset', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.createTopic('ns', 't', { retentionBytes: 300 });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) await log.append('ns', 't', 0, [v('x'.repeat(50))]);
      await log.compact();
    }
    const info = log.getTopic('ns', 't')!.partitions[0]!;
    expect(info.logStartOffset).toBeGreaterThan(0);
    expect(info.highWatermark).toBe(12);
    await expect(log.read('ns', 't', 0, 0)).rejects.toMatchObject({ code: 'STRATA_ERR_OFFSET_OUT_OF_RANGE' });
    const r = await log.readRecords('ns', 't', 0, info.logStartOffset);
    expect(r.records[0]!.offset).toBe(info.logStartOffset);
    await log.close();
    const again = await open(store);
    expect(again.getTopic('ns', 't')!.partitions[0]!.logStartOffset).toBe(info.logStartOffset);
    await again.close();
  });

  it('retention by time', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.createTopic('ns', 't', { retentionMs: 1000 });
    await log.append('ns', 't', 0, [{ value: Buffer.from('old'), timestamp: Date.now() - 10_000 }]);
    await log.compact();
    await log.append('ns', 't', 0, [v('new')]);
    await log.compact();
    expect(log.getTopic('ns', 't')!.partitions[0]!.logStartOffset).toBe(1);
    expect((await log.readRecords('ns', 't', 0, 1)).records.map((r) => r.value!.toString())).toEqual(['new']);
    await log.close();
  });

  it('backpressure while the store is offline, then resumes by itself; nothing acknowledged is lost', async () => {
    const store = new FaultStore(new MemoryStore(), { seed: 1 });
    const log = await open(store, { maxInflightBytes: 2000, backpressureTimeoutMs: 200 });
    await log.createTopic('ns', 't');
    await log.append('ns', 't', 0, [v('before')]);
    store.setOffline(true);
    const pending = [log.append('ns', 't', 0, [v('x'.repeat(900))]), log.append('ns', 't', 0, [v('y'.repeat(900))])];
    const over = log.append('ns', 't', 0, [v('z'.repeat(900))]);
    await expect(over).rejects.toMatchObject({ code: 'STRATA_ERR_BACKPRESSURE', retriable: true });
    await new Promise((r) => setTimeout(r, 300));
    store.setOffline(false);
    const done = await Promise.all(pending);
    expect(done.map((d) => d.baseOffset)).toEqual([1, 2]);
    await log.append('ns', 't', 0, [v('after')]);
    await log.close();
    const again = await open(store);
    expect((await again.readRecords('ns', 't', 0, 0)).records.map((r) => r.value!.toString()[0])).toEqual(['b', 'x', 'y', 'a']);
    await again.close();
  });

  it('garbage-collects old manifests', async () => {
    const store = new MemoryStore();
    const log = await open(store, { manifestsKept: 3 });
    for (let i = 0; i < 6; i++) await log.createTopic('ns', `t${i}`);
    await log.compact();
    expect((await keys(store, new Keys().manifestPrefix())).length).toBe(3);
    await log.close();
    const again = await open(store);
    expect(again.listTopics('ns').length).toBe(6);
    await again.close();
  });
});

describe('recovery with the tiered cache', () => {
  it('reopens on the same store with a fresh cache directory and serves every record', async () => {
    const { TieredCache } = await import('../../cache/index.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openTopicLog } = await import('../../src/log/topic-log.js');
    const { quiet } = await import('./helpers.js');
    const store = new MemoryStore();
    const dirs = [mkdtempSync(join(tmpdir(), 'log-cache-')), mkdtempSync(join(tmpdir(), 'log-cache-'))];
    const opened = async (dir: string) => {
      const cache = new TieredCache(store, { blockSize: 4096, memoryBytes: 1 << 20, ssd: { dir, bytes: 1 << 22 } });
      const log = await openTopicLog({ store, cache, logger: quiet, config: { walLingerMs: 2, compactionIntervalMs: 0, tailCacheBytes: 0 } });
      return { cache, log };
    };
    const a = await opened(dirs[0]!);
    await a.log.createTopic('ns', 't');
    for (let i = 0; i < 40; i++) await a.log.append('ns', 't', 0, [v(`r${i}-${'x'.repeat(200)}`)]);
    await a.log.compact();
    for (let i = 40; i < 60; i++) await a.log.append('ns', 't', 0, [v(`r${i}-${'x'.repeat(200)}`)]);
    expect((await a.log.readRecords('ns', 't', 0, 0)).records.length).toBe(60);
    await a.log.close();
    await a.cache.close();
    rmSync(dirs[0]!, { recursive: true, force: true });
    const b = await opened(dirs[1]!);
    const got = await b.log.readRecords('ns', 't', 0, 0);
    expect(got.records.map((r) => r.value!.toString().split('-')[0])).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`));
    await b.log.close();
    await b.cache.close();
    rmSync(dirs[1]!, { recursive: true, force: true });
  });
});

describe('background compaction thresholds', () => {
  it('compacts big partitions at once and small ones only when old; WAL is kept while a partition needs it', async () => {
    const store = new MemoryStore();
    const k = new Keys();
    const log = await open(store, { compactionIntervalMs: 100 }); // small partitions wait 10 intervals = 1 s
    await log.createTopic('ns', 't', { partitions: 2, maxMessageBytes: 8 << 20 });
    await log.append('ns', 't', 1, [v('small-0')]);
    await log.append('ns', 't', 0, [{ value: Buffer.alloc(5 << 20, 1) }]);
    await log.append('ns', 't', 1, [v('small-1')]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await keys(store, k.partitionPrefix('ns', 't', 0))).length).toBe(1);
    expect((await keys(store, k.partitionPrefix('ns', 't', 1))).length).toBe(0);
    expect((await keys(store, k.walPrefix())).length).toBeGreaterThanOrEqual(3); // still needed by partition 1
    const again = await open(store);
    expect((await again.readRecords('ns', 't', 1, 0)).records.map((r) => r.value!.toString())).toEqual(['small-0', 'small-1']);
    expect((await again.read('ns', 't', 0, 0)).batches.length).toBe(1);
    await again.close();
    await log.close();
  });

  it('compacts a small partition once its WAL data is old', async () => {
    const store = new MemoryStore();
    const k = new Keys();
    const log = await open(store, { compactionIntervalMs: 30 });
    await log.createTopic('ns', 't');
    await log.append('ns', 't', 0, [v('old')]);
    await new Promise((r) => setTimeout(r, 700));
    expect((await keys(store, k.partitionPrefix('ns', 't', 0))).length).toBe(1);
    expect(await keys(store, k.walPrefix())).toEqual([]);
    expect((await log.readRecords('ns', 't', 0, 0)).records[0]!.value!.toString()).toBe('old');
    await log.close();
  });
});
