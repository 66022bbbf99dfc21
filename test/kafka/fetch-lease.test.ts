/**
 * Fetch reads the log with cache leases and releases them once the socket has written the response, so a
 * consumer catching up through the tiered cache reuses block buffers instead of allocating one per block
 * (cache/block-pool.ts). A fresh node (new cache, nothing written through it) serves a real kafkajs consumer
 * from compacted segments on the fs store, with a memory tier far smaller than the topic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { TieredCache } from '../../cache/index.js';
import { FsStore } from '../../src/store/fs.js';
import { startTestBroker } from './support/broker.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-fetch-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 3000;
const value = (i: number): string => `record-${i}-${'x'.repeat(1000 + (i % 17))}`;

describe('Kafka Fetch with leased cache blocks', () => {
  it('a catching-up kafkajs consumer gets every record, and the cache reuses its block buffers', async () => {
    // node 1 writes and compacts
    const a = await startTestBroker({}, { store: new FsStore({ dir }) });
    try {
      const kafka = new Kafka({ clientId: 'w', brokers: a.brokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'lease', numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < N; i += 100) {
        await producer.send({ topic: 'lease', messages: Array.from({ length: 100 }, (_, j) => ({ value: value(i + j) })) });
      }
      await producer.disconnect();
      await a.log.compact();
    } finally {
      await a.stop();
    }
    // node 2: a fresh cache of 64 KiB blocks, 1 MiB of memory, over ~3 MiB of segments
    const store = new FsStore({ dir });
    const cache = new TieredCache(store, { blockSize: 64 * 1024, memoryBytes: 1024 * 1024 });
    const b = await startTestBroker({}, { store, cache });
    try {
      const kafka = new Kafka({ clientId: 'r', brokers: b.brokers, logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: 'lease-g', maxBytesPerPartition: 128 * 1024 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'lease', fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              got.push(message.value!.toString());
              if (got.length === N) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      expect(got.length).toBe(N);
      for (let i = 0; i < N; i++) if (got[i] !== value(i)) throw new Error(`record ${i} differs`);
      const s = cache.stats();
      expect(s.gets).toBeGreaterThan(20);
      // with the release after each response write ~60 % of the GETs read into a recycled buffer; without it
      // only the prefetched blocks evicted unread come back (~15 %)
      expect(s.buffers.reused).toBeGreaterThan(s.gets / 3);
    } finally {
      await b.stop();
      await cache.close();
    }
  }, 60_000);
});
