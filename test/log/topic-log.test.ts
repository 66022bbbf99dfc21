import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { FaultStore } from '../../src/store/fault.js';
import { Keys } from '../../src/store/keys.js';
import { listAll } from '../../src/store/types.js';
import { encodeBatch } from '../../src/log/record-batch.js';
import { open, v } from './helpers.js';
import type { OpenedTopicLog } from '../../src/log/topic-log.js';
import { StrataError } from '../../src/errors.js';

/** Appends a0, a1, … to ns/t/0 one at a time until stopped or fenced; `acked` lists what was acknowledged. */
function ackingProducer(log: OpenedTopicLog): { acked: string[]; stop(): Promise<void> } {
  const acked: string[] = [];
  let stopped = false;
  const running = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        await log.append('ns', 't', 0, [v(`a${i}`)]);
        acked.push(`a${i}`);
      } catch (err) {
        if (log.fenced) return;
        throw err;
      }
    }
  })();
  return {
    acked,
    stop: () => {
      stopped = true;
      return running;
    },
  };
}

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

  it('starts a WAL object once walFlushBytes are buffered, without waiting for the linger', async () => {
    const store = new MemoryStore();
    const log = await open(store, { walLingerMs: 10_000, walFlushBytes: 64 * 1024 });
    await log.createTopic('ns', 't');
    await log.append('ns', 't', 0, [v('first')]); // a quiet start: written at once, opens a 10 s linger window
    const big = () => log.append('ns', 't', 0, [v('x'.repeat(40 * 1024))]);
    // A producer with two 40 KiB requests in flight, round after round: each round crosses 64 KiB and is
    // written at once. Paced by the linger alone, the second round would wait 10 s.
    const t0 = Date.now();
    for (let round = 0; round < 5; round++) await Promise.all([big(), big()]);
    expect(Date.now() - t0).toBeLessThan(5_000); // not one round per 10 s linger
    // Below the threshold an append still waits for the linger.
    let small = false;
    const pending = log.append('ns', 't', 0, [v('small')]).then((r) => ((small = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(small).toBe(false);
    await log.close(); // drains it
    expect((await pending).baseOffset).toBe(11);
  });

  it('while every WAL PUT slot is busy the buffer grows, and one WAL object takes up to walMaxBytes', async () => {
    const inner = new MemoryStore();
    const store = new FaultStore(inner, { latencyMs: { put: 150 } });
    const log = await open(store, { walLingerMs: 5, walFlushBytes: 16 * 1024, walMaxBytes: 256 * 1024 });
    await log.createTopic('ns', 't');
    await Promise.all(Array.from({ length: 60 }, () => log.append('ns', 't', 0, [v('y'.repeat(10 * 1024))])));
    const sizes: number[] = [];
    for await (const o of listAll(inner, { prefix: new Keys().walPrefix() })) sizes.push(o.size);
    // 600 KiB over 4 slots of 150 ms PUTs: the first flushes are ~16 KiB, the ones that waited for a slot are larger
    expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024 + 4096);
    expect(sizes.length).toBeLessThan(60);
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

  it('writer lease: what the older writer acknowledges while a new one takes over is in the new one\'s log', async () => {
    const store = new MemoryStore();
    const a = await open(store, { writerLeaseMs: 600 });
    await a.createTopic('ns', 't');
    const { acked, stop } = ackingProducer(a);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    // b has no lease of its own, but a's manifest says 600 ms: b lists the WAL only after that
    const b = await open(store, { writerLeaseMs: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(590);
    await stop();
    const got = (await b.readRecords('ns', 't', 0, 0, { maxRecords: 100_000 })).records.map((x) => x.value!.toString());
    expect(got.slice(0, acked.length)).toEqual(acked); // every acknowledged record, in order (unacknowledged ones may follow)
    expect(a.fenced).toBe(true);
    await expect(a.append('ns', 't', 0, [v('late')])).rejects.toMatchObject({ code: 'STRATA_ERR_FENCED' });
    // without a lease the next take-over does not wait
    await b.close();
    const t1 = Date.now();
    const c = await open(store, { writerLeaseMs: 0 });
    expect(Date.now() - t1).toBeLessThan(590); // a's 600 ms lease was waited out and cleared by b
    await Promise.all([a.close(), c.close()]);
  });

  it('writer lease: acknowledgements reuse a recent fence check instead of one GET each; without a lease, one per WAL object', async () => {
    for (const [lease, most] of [
      [10_000, 3],
      [0, Infinity],
    ] as const) {
      const store = new FaultStore(new MemoryStore());
      const log = await open(store, { writerLeaseMs: lease });
      await log.createTopic('ns', 't');
      store.resetStats();
      for (let i = 0; i < 40; i++) await log.append('ns', 't', 0, [v(`x${i}`)]); // 40 WAL objects, one at a time
      const checks = store.stats.calls.head; // the fence checks (a HEAD of the next manifest id)
      if (lease > 0) expect(checks).toBeLessThanOrEqual(most);
      else expect(checks).toBeGreaterThanOrEqual(40);
      await log.close();
    }
  });

  it('writer lease across two take-overs in a row: the third node also waits out the first writer\'s lease', async () => {
    const store = new MemoryStore();
    const keys = new Keys();
    const manifests = async () => {
      let n = 0;
      for await (const _ of listAll(store, { prefix: keys.manifestPrefix() })) n++;
      return n;
    };
    const a = await open(store, { writerLeaseMs: 600 });
    await a.createTopic('ns', 't');
    const { acked, stop } = ackingProducer(a);
    await new Promise((r) => setTimeout(r, 100));
    const before = await manifests();
    // b (no lease of its own) takes over and waits out a's lease; c takes over from b in the meantime
    const b = open(store, { writerLeaseMs: 0 }).catch((err: unknown) => err);
    while ((await manifests()) === before) await new Promise((r) => setTimeout(r, 2));
    const c = await open(store, { writerLeaseMs: 0 }); // b's manifest says a's 600 ms are still pending
    await stop();
    const got = (await c.readRecords('ns', 't', 0, 0, { maxRecords: 100_000 })).records.map((x) => x.value!.toString());
    expect(got.slice(0, acked.length)).toEqual(acked);
    expect(await b).toMatchObject({ code: 'STRATA_ERR_FENCED' }); // c took over before b had finished opening
    // c waited a's lease out and cleared it: the next node does not wait
    await c.close();
    const t0 = Date.now();
    const d = await open(store, { writerLeaseMs: 0 });
    expect(Date.now() - t0).toBeLessThan(590); // no 600 ms wait
    await Promise.all([a.close(), d.close()]);
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
