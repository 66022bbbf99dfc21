/** Batch reads and the epoch iterator over a written topic of the real topic log (on a MemoryStore). */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchService } from '../../src/broker/batch/service.js';
import { openTopicLog, type OpenedTopicLog } from '../../src/log/index.js';
import { MemoryStore } from '../../src/store/memory.js';

let log: OpenedTopicLog;
const P = [37, 23];

beforeAll(async () => {
  log = await openTopicLog({ store: new MemoryStore('log'), logger: pino({ level: 'silent' }) });
  await log.createTopic('ns', 'events', { partitions: 2 });
  for (let p = 0; p < 2; p++) {
    for (let i = 0; i < P[p]!; i += 10) {
      const n = Math.min(10, P[p]! - i);
      await log.append('ns', 'events', p, Array.from({ length: n }, (_, j) => ({ key: Buffer.from(`k${i + j}`), value: Buffer.from(`p${p}-${i + j}`) })));
    }
  }
});
afterAll(async () => {
  await log?.close();
});

describe('batch reads of a written topic', () => {
  it('reads a partition in contiguous batches', async () => {
    const svc = new BatchService({ log });
    const got: string[] = [];
    let offset = 0;
    while (offset < P[0]!) {
      const r = await svc.readRange('ns', 'events', 0, offset, 8);
      expect(r.records.length).toBeGreaterThan(0);
      got.push(...r.records.map((x) => x.value!.toString()));
      offset = r.nextOffset;
    }
    expect(got).toEqual(Array.from({ length: P[0]! }, (_, i) => `p0-${i}`));
  });

  it.each([1, 2, 4, 8])('epoch over both partitions, world size %i: every rank equal, union = topic minus N mod W', async (W) => {
    const svc = new BatchService({ log });
    const N = P[0]! + P[1]!;
    const seen: string[] = [];
    for (let rank = 0; rank < W; rank++) {
      let pos = 0;
      let mine = 0;
      while (pos >= 0) {
        const r = await svc.epochBatch('ns', 'events', { seed: 'log', epoch: 0, rank, worldSize: W, batchSize: 6 }, pos);
        seen.push(...r.records.map((x) => `${x.partition}:${x.offset}:${x.value!.toString()}`));
        mine += r.records.length;
        pos = r.nextPosition;
      }
      expect(mine).toBe(Math.floor(N / W));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(N - (N % W));
    for (const s of seen) {
      const [p, o, v] = s.split(':');
      expect(v).toBe(`p${p}-${o}`);
    }
  });
});
