import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startTestBroker();
  kafka = new Kafka({ clientId: 'kjs', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
});
afterAll(async () => {
  await broker?.stop();
});

describe('kafkajs 2.2.4 against Strata', () => {
  it('creates a topic, produces and consumes', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kjs-basic', numPartitions: 2 }] });
    expect(await admin.listTopics()).toContain('kjs-basic');
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({
      topic: 'kjs-basic',
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { h: `x${i}` } })),
    });
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'kjs-g1' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kjs-basic', fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!.toString());
          expect(message.headers?.h?.toString()).toBe(`x${message.value!.toString().slice(1)}`);
          if (got.length === 20) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
    const offsets = await admin.fetchOffsets({ groupId: 'kjs-g1', topics: ['kjs-basic'] });
    const committed = offsets[0].partitions.reduce((s, p) => s + Number(p.offset), 0);
    expect(committed).toBe(20);
    await admin.disconnect();
  });
});
