import { describe, expect, it } from 'vitest';
import { epochBatch } from '../../src/broker/batch/epoch.js';
import { BatchService } from '../../src/broker/batch/service.js';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import { StoreRangeReader } from '../../src/broker/mounts/reader.js';
import type { ObjectRange, RangeReader } from '../../src/broker/mounts/types.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { ObjectStore } from '../../src/store/types.js';

describe('epoch iterator prefetch', () => {
  it('hints exactly the byte ranges of the next batches of the iterator', async () => {
    const src = new MemoryStore('src');
    for (let i = 0; i < 50; i++) await src.put(`o/${String(i).padStart(3, '0')}`, Buffer.alloc(10 + i, i));
    const hints: Array<{ stream: string; ranges: ObjectRange[] }> = [];
    const readerFor = (store: ObjectStore): RangeReader => {
      const inner = new StoreRangeReader(store);
      return { read: (o, off, len) => inner.read(o, off, len), hint: (stream, ranges) => void hints.push({ stream, ranges }) };
    };
    const mounts = new MountRegistry({ store: new MemoryStore('meta'), keys: new Keys(), openS3: async () => src, readerFor, mount: { pollIntervalMs: 3_600_000 } });
    await mounts.create({ namespace: 'ns', topic: 't', source: 's3://bucket/o/' });
    await mounts.require('ns', 't').refresh();
    const svc = new BatchService({ mounts, prefetchBatches: 2 });
    const p = { seed: 4, epoch: 1, rank: 1, worldSize: 2, batchSize: 5 };
    const r = await svc.epochBatch('ns', 't', p, 0);
    expect(r.nextPosition).toBe(1);
    await new Promise((res) => setTimeout(res, 20));
    expect(hints).toHaveLength(1);
    const upcoming = [...epochBatch(50, p, 1), ...epochBatch(50, p, 2)];
    expect(hints[0]!.ranges.map((x) => x.obj.key)).toEqual(upcoming.map((g) => `o/${String(g).padStart(3, '0')}`));
    expect(hints[0]!.ranges.map((x) => x.length)).toEqual(upcoming.map((g) => 10 + g));
    // the next position hints only the batch not hinted yet; a client a few positions ahead (overlapping
    // requests) re-hints nothing
    hints.length = 0;
    await svc.epochBatch('ns', 't', p, 1);
    await new Promise((res) => setTimeout(res, 20));
    expect(hints.map((h) => h.ranges.map((x) => x.obj.key))).toEqual([epochBatch(50, p, 3).map((g) => `o/${String(g).padStart(3, '0')}`)]);
    hints.length = 0;
    await svc.epochBatch('ns', 't', p, 0);
    await new Promise((res) => setTimeout(res, 20));
    expect(hints).toHaveLength(0);
    // the last batch hints nothing further
    hints.length = 0;
    const last = await svc.epochBatch('ns', 't', p, 4);
    expect(last.nextPosition).toBe(-1);
    await new Promise((res) => setTimeout(res, 20));
    expect(hints).toHaveLength(0);
    await mounts.close();
  });
});
