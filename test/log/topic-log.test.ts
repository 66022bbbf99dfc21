import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { Keys } from '../../src/store/keys.js';
import { listAll } from '../../src/store/types.js';
import { encodeBatch } from '../../src/log/record-batch.js';
import { open, v } from './helpers.js';
import { StrataError } from '../../src/errors.js';

describe('TopicLog over MemoryStore', () => {
  it('creates topics and assigns ordered, contiguous offsets across partitions', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.createTopic('ns', 't', { partitions: 2 });
    await expect(log.createTopic('ns', 't')).rejects.toMatchObject({ code: 'STRATA_ERR_TOPIC_EXISTS' });
    await expect(log.createTopic('ns', 'bad/name')).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_NAME' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('ns', 't', i % 2, [v(`r${i}`)])));
    const p0 = results.filter((r) => r.partition === 0).map((r) => r.baseOffset);
    expect(p0).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const { records, nextOffset, highWatermark } = await log.readRecords('ns', 't', 0, 0);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 25 }, (_, i) => `r${i * 2}`));
    expect(nextOffset).toBe(25);
    expect(highWatermark).toBe(25);
    const mid = await log.readRecords('ns', 't', 1, 10, { maxRecords: 3 });
    expect(mid.records.map((r) => r.offset)).toEqual([10, 11, 12]);
    expect(mid.nextOffset).toBe(13);
    await expect(log.read('ns', 't', 0, 26)).rejects.toMatchObject({ code: 'STRATA_ERR_OFFSET_OUT_OF_RANGE' });
    await expect(log.append('ns', 'nope', 0, [v('x')])).rejects.toMatchObject({ code: 'STRATA_ERR_TOPIC_NOT_FOUND' });
    await expect(log.append('ns', 't', 5, [v('x')])).rejects.toMatchObject({ code: 'STRATA_ERR_PARTITION_NOT_FOUND' });
    expect(log.listNamespaces()).toEqual(['ns']);
    expect(log.getTopic('ns', 't')!.partitions.map((p) => p.highWatermark)).toEqual([25, 25]);
    await log.close();
  });

  it('paces WAL flushes by linger: an append after a quiet spell is not delayed, steady load stays ≤ 1 PUT per linger', async () => {
    const store = new MemoryStore();
    const log = await open(store, { walLingerMs: 400 });
    await log.createTopic('ns', 't');
    await log.append('ns', 't', 0, [v('first')]); // opens the log's first linger window
    await new Promise((r) => setTimeout(r, 450));
    const t0 = Date.now();
    await log.append('ns', 't', 0, [v('after a quiet spell')]);
    expect(Date.now() - t0).toBeLessThan(300); // flushed at once, not after a full linger
    const walCount = async () => {
      let n = 0;
      for await (const _ of listAll(store, { prefix: new Keys().walPrefix() })) n++;
      return n;
    };
    const before = await walCount();
    const started = Date.now();
    const until = started + 1_300;
    const producers = Array.from({ length: 8 }, async () => {
      while (Date.now() < until) await log.append('ns', 't', 0, [v('steady')]);
    });
    await Promise.all(producers);
    const elapsed = Date.now() - started;
    // one flush may start at once, then at most one per 400 ms linger
    expect((await walCount()) - before).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 400));
    await log.close();
  });

  it('batches appends of a linger into one WAL object', async () => {
    const store = new MemoryStore();
    const log = await open(store, { walLingerMs: 30 });
    await log.createTopic('ns', 't', { partitions: 10 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append('ns', 't', i % 10, [v('x')])));
    let wals = 0;
    for await (const _ of listAll(store, { prefix: new Keys().walPrefix() })) wals++;
    expect(wals).toBeLessThanOrEqual(2);
    await log.close();
  });

  it('long-polls: a read at the high watermark wakes on append, times out, and aborts', async () => {
    const log = await open(new MemoryStore());
    await log.createTopic('ns', 't');
    const t0 = Date.now();
    const empty = await log.read('ns', 't', 0, 0, { maxWaitMs: 100 });
    expect(empty.batches.length).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    const waiting = log.readRecords('ns', 't', 0, 0, { maxWaitMs: 5000 });
    setTimeout(() => void log.append('ns', 't', 0, [v('wake')]), 50);
    const got = await waiting;
    expect(got.records[0]!.value!.toString()).toBe('wake');
    const ac = new AbortController();
    const aborted = log.read('ns', 't', 0, 1, { maxWaitMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'STRATA_ERR_ABORTED' });
    await log.close();
  });

  it('recovers every acknowledged record after reopening on the same store', async () => {
    const store = new MemoryStore();
    const a = await open(store);
    await a.createTopic('ns', 't', { partitions: 3 });
    for (let i = 0; i < 30; i++) await a.append('ns', 't', i % 3, [v(`a${i}`)]);
    await a.close();
    const b = await open(store);
    expect(b.writerEpoch).toBe(a.writerEpoch + 1);
    expect(b.getTopic('ns', 't')!.partitions.map((p) => p.highWatermark)).toEqual([10, 10, 10]);
    const r = await b.append('ns', 't', 0, [v('b0')]);
    expect(r.baseOffset).toBe(10);
    const recs = await b.readRecords('ns', 't', 0, 0);
    expect(recs.records.map((x) => x.value!.toString())).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i * 3}`), 'b0']);
    await b.close();
  });

  it('fences the older of two instances on one store; data stays consistent', async () => {
    const store = new MemoryStore();
    const a = await open(store);
    await a.createTopic('ns', 't');
    await a.append('ns', 't', 0, [v('a0')]);
    const b = await open(store);
    await expect(a.append('ns', 't', 0, [v('a1')])).rejects.toMatchObject({ code: 'STRATA_ERR_FENCED' });
    expect(a.fenced).toBe(true);
    await expect(a.append('ns', 't', 0, [v('a2')])).rejects.toMatchObject({ code: 'STRATA_ERR_FENCED' });
    await expect(a.createTopic('ns', 'u')).rejects.toMatchObject({ code: 'STRATA_ERR_FENCED' });
    const r = await b.append('ns', 't', 0, [v('b1')]);
    expect(r.baseOffset).toBe(1);
    await b.close();
    const c = await open(store);
    expect((await c.readRecords('ns', 't', 0, 0)).records.map((x) => x.value!.toString())).toEqual(['a0', 'b1']);
    await a.close();
    await c.close();
  });

  it('seals a fenced epoch that had no WAL yet: a zombie PUT landing later is never replayed over acked data', async () => {
    const store = new MemoryStore();
    const a = await open(store);
    await a.createTopic('ns', 't');
    const b = await open(store); // a's epoch has no WAL object yet
    await expect(a.append('ns', 't', 0, [v('zombie')])).rejects.toMatchObject({ code: 'STRATA_ERR_FENCED' });
    expect((await b.append('ns', 't', 0, [v('b0')])).baseOffset).toBe(0);
    const c = await open(store); // b crashed before compacting
    expect((await c.readRecords('ns', 't', 0, 0)).records.map((x) => x.value!.toString())).toEqual(['b0']);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('a WAL PUT whose answer was lost, then a failed read-back, is retried instead of fencing the node', async () => {
    class LossyStore extends MemoryStore {
      lost = 0;
      badGets = 0;
      override async put(key: string, body: Uint8Array, options: Parameters<MemoryStore['put']>[2] = {}) {
        const r = await super.put(key, body, options);
        if (key.endsWith('.wal') && this.lost++ === 0) throw new StrataError('STRATA_ERR_STORE_UNAVAILABLE', 'answer lost');
        return r;
      }
      override async get(key: string, options: Parameters<MemoryStore['get']>[1] = {}) {
        if (key.endsWith('.wal') && this.badGets++ === 0) throw new StrataError('STRATA_ERR_STORE_UNAVAILABLE', 'still flaky');
        return super.get(key, options);
      }
    }
    const store = new LossyStore();
    const log = await open(store);
    await log.createTopic('ns', 't');
    expect((await log.append('ns', 't', 0, [v('x')])).baseOffset).toBe(0);
    expect(log.fenced).toBe(false);
    expect(store.badGets).toBeGreaterThan(1);
    await log.close();
  });

  it('dedupes idempotent producer retries and rejects gaps and stale epochs', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.createTopic('ns', 't');
    const { producerId } = await log.initProducerId();
    const mk = (seq: number, epoch = 0) => encodeBatch([v(`s${seq}`)], { producerId, producerEpoch: epoch, baseSequence: seq });
    const first = await log.appendBatch('ns', 't', 0, await mk(0));
    const [dup1, dup2] = await Promise.all([log.appendBatch('ns', 't', 0, await mk(1)), log.appendBatch('ns', 't', 0, await mk(1))]);
    expect(dup1.baseOffset).toBe(dup2.baseOffset);
    expect((await log.appendBatch('ns', 't', 0, await mk(0))).baseOffset).toBe(first.baseOffset);
    await expect(log.appendBatch('ns', 't', 0, await mk(5))).rejects.toMatchObject({ code: 'STRATA_ERR_OUT_OF_ORDER_SEQUENCE' });
    await log.appendBatch('ns', 't', 0, await mk(0, 1));
    await expect(log.appendBatch('ns', 't', 0, await mk(2, 0))).rejects.toMatchObject({ code: 'STRATA_ERR_PRODUCER_FENCED' });
    expect(log.getTopic('ns', 't')!.partitions[0]!.highWatermark).toBe(3);
    await log.close();
    const again = await open(store);
    expect((await again.appendBatch('ns', 't', 0, await mk(0, 1))).baseOffset).toBe(2);
    expect((await again.initProducerId()).producerId).toBe(producerId + 1n);
    await again.close();
  });

  it('stores consumer-group offsets durably', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.commitOffsets('ns', 'g1', [{ topic: 't', partition: 0, offset: 5 }]);
    await log.commitOffsets('ns', 'g1', [{ topic: 't', partition: 1, offset: 7, metadata: 'm' }]);
    await log.commitOffsets('ns', 'weird group:1', [{ topic: 't', partition: 0, offset: 1 }]);
    await log.close();
    const again = await open(store);
    expect((await again.fetchOffsets('ns', 'g1')).sort((a, b) => a.partition - b.partition)).toEqual([
      { topic: 't', partition: 0, offset: 5 },
      { topic: 't', partition: 1, offset: 7, metadata: 'm' },
    ]);
    expect((await again.listGroups('ns')).sort()).toEqual(['g1', 'weird group:1']);
    await again.deleteGroup('ns', 'g1');
    expect(await again.fetchOffsets('ns', 'g1')).toEqual([]);
    await again.close();
  });

  it('rejects oversize records and deletes topics with their data', async () => {
    const store = new MemoryStore();
    const log = await open(store);
    await log.createTopic('ns', 't', { maxMessageBytes: 10 });
    await expect(log.append('ns', 't', 0, [v('x'.repeat(11))])).rejects.toMatchObject({ code: 'STRATA_ERR_RECORD_TOO_LARGE' });
    await log.append('ns', 't', 0, [v('ok')]);
    await log.compact();
    await log.deleteTopic('ns', 't');
    expect(log.getTopic('ns', 't')).toBeUndefined();
    let segs = 0;
    for await (const _ of listAll(store, { prefix: new Keys().topicPrefix('ns', 't') })) segs++;
    expect(segs).toBe(0);
    await log.createTopic('ns', 't');
    expect(log.getTopic('ns', 't')!.partitions[0]!.highWatermark).toBe(0);
    await log.close();
    const again = await open(store);
    expect(again.getTopic('ns', 't')!.partitions[0]!.highWatermark).toBe(0);
    await again.close();
  });
});

describe('pipelined WAL flushes', () => {
  it('acknowledge in offset order even when an earlier PUT is slower', async () => {
    const inner = new MemoryStore();
    let slowNext = false;
    const store = Object.create(inner) as MemoryStore;
    store.put = async (key, body, opts) => {
      if (slowNext && key.endsWith('.wal')) {
        slowNext = false;
        await new Promise((r) => setTimeout(r, 300));
      }
      return inner.put(key, body, opts);
    };
    const log = await open(store, { walLingerMs: 10 });
    await log.createTopic('ns', 't');
    slowNext = true;
    const order: number[] = [];
    const first = log.append('ns', 't', 0, [v('slow')]).then((r) => (order.push(r.baseOffset), r));
    await new Promise((r) => setTimeout(r, 60));
    const second = log.append('ns', 't', 0, [v('fast')]).then((r) => (order.push(r.baseOffset), r));
    const [a, b] = await Promise.all([first, second]);
    expect([a.baseOffset, b.baseOffset]).toEqual([0, 1]);
    expect(order).toEqual([0, 1]);
    await log.close();
    const again = await open(inner);
    expect((await again.readRecords('ns', 't', 0, 0)).records.map((r) => r.value!.toString())).toEqual(['slow', 'fast']);
    await again.close();
  });
});
