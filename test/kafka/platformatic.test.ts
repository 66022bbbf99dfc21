/**
 * @platformatic/kafka 1.33 (flexible versions throughout: Produce v9+, Fetch v12, Metadata v12,
 * JoinGroup v7+, OffsetFetch v8) against Strata: admin, idempotent produce with gzip, group consume
 * with commits, and resume from the committed offset.
 */
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

async function consumeN(groupId: string, topic: string, n: number, mode: string): Promise<string[]> {
  const consumer = new Consumer({ groupId, clientId: `pc-${groupId}`, bootstrapBrokers: broker.brokers, deserializers: stringDeserializers, maxWaitTime: 200 });
  const stream = await consumer.consume({ topics: [topic], mode: mode as 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const got: string[] = [];
  for await (const m of stream) {
    got.push(m.value as string);
    await m.commit();
    if (got.length === n) break;
  }
  await stream.close();
  await consumer.close(true);
  return got;
}

describe('@platformatic/kafka against Strata', () => {
  it('admin creates, describes and deletes topics', async () => {
    const admin = new Admin({ clientId: 'pa', bootstrapBrokers: broker.brokers });
    await admin.createTopics({ topics: ['pk-admin'], partitions: 3, replicas: 1 });
    const md = await admin.metadata({ topics: ['pk-admin'] });
    expect(md.topics.get('pk-admin')?.partitionsCount).toBe(3);
    await admin.deleteTopics({ topics: ['pk-admin'] });
    expect(broker.log.getTopic('default', 'pk-admin')).toBeUndefined();
    await admin.close();
  });

  it('produces idempotently with gzip, consumes in a group, resumes from the committed offset', async () => {
    await broker.log.createTopic('default', 'pk-data', { partitions: 2 });
    const producer = new Producer({ clientId: 'pp', bootstrapBrokers: broker.brokers, serializers: stringSerializers, idempotent: true, compression: 'gzip' });
    await producer.send({ messages: Array.from({ length: 40 }, (_, i) => ({ topic: 'pk-data', key: `k${i}`, value: `v${i}` })) });
    const first = await consumeN('pk-g', 'pk-data', 40, MessagesStreamModes.EARLIEST);
    expect(new Set(first).size).toBe(40);
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'pk-data', key: `k${i}`, value: `w${i}` })) });
    await producer.close();
    const second = await consumeN('pk-g', 'pk-data', 10, MessagesStreamModes.COMMITTED);
    expect(second.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`).sort());
  });
});
