/**
 * kafkajs admin against Strata: CreateTopics (incl. configs and errors), CreatePartitions, DescribeConfigs,
 * ListOffsets (earliest, latest, by timestamp), ListGroups/DescribeGroups, OffsetCommit of an empty group
 * (setOffsets), DeleteGroups, DeleteTopics.
 */
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;
let kafka: Kafka;
beforeAll(async () => {
  broker = await startTestBroker({ autoCreateTopics: false });
  kafka = new Kafka({ clientId: 'kjs-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
});
afterAll(async () => {
  await broker?.stop();
});

describe('kafkajs admin against Strata', () => {
  it('creates topics with configs, grows partitions and describes configs', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'ka-1', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(broker.log.getTopic('default', 'ka-1')!.config.retentionMs).toBe(3_600_000);
    expect(await admin.createTopics({ topics: [{ topic: 'ka-1' }], validateOnly: true })).toBe(false); // kafkajs: TOPIC_ALREADY_EXISTS → false
    await expect(admin.createTopics({ topics: [{ topic: 'ka-bad', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })).rejects.toThrow();
    await admin.createPartitions({ topicPartitions: [{ topic: 'ka-1', count: 4 }] });
    expect(broker.log.getTopic('default', 'ka-1')!.partitions).toHaveLength(4);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'ka-1', count: 2 }] })).rejects.toThrow();
    const cfg = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'ka-1' }], includeSynonyms: false });
    const entries = Object.fromEntries(cfg.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries['retention.ms']).toBe('3600000');
    expect(entries['cleanup.policy']).toBe('delete');
    const md = await admin.fetchTopicMetadata({ topics: ['ka-1'] });
    expect(md.topics[0].partitions).toHaveLength(4);
    await admin.disconnect();
  });

  it('lists offsets: earliest, latest and by timestamp', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ka-ts' }] });
    const producer = kafka.producer();
    await producer.connect();
    const t0 = Date.now() - 100_000;
    await producer.send({ topic: 'ka-ts', messages: [0, 1, 2, 3].map((i) => ({ value: `m${i}`, timestamp: String(t0 + i * 1000) })) });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('ka-ts');
    expect(offsets[0]).toMatchObject({ partition: 0, low: '0', high: '4' });
    const byTs = await admin.fetchTopicOffsetsByTimestamp('ka-ts', t0 + 1500);
    expect(byTs[0].offset).toBe('2');
    await admin.disconnect();
  });

  it('lists and describes groups, and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ka-g' }] });
    const consumer = kafka.consumer({ groupId: 'ka-group', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'ka-g' });
    let joined!: () => void;
    const join = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachMessage: async () => {} });
    await join;
    const { groups } = await admin.listGroups();
    expect(groups).toContainEqual({ groupId: 'ka-group', protocolType: 'consumer' });
    const described = await admin.describeGroups(['ka-group', 'nope']);
    expect(described.groups[0]).toMatchObject({ groupId: 'ka-group', state: 'Stable', protocol: 'RoundRobinAssigner' });
    expect(described.groups[0].members).toHaveLength(1);
    expect(described.groups[1].state).toBe('Dead');
    await expect(admin.deleteGroups(['ka-group'])).rejects.toThrow(); // NON_EMPTY_GROUP
    await consumer.disconnect();
    await admin.setOffsets({ groupId: 'ka-group', topic: 'ka-g', partitions: [{ partition: 0, offset: '0' }] });
    expect(await broker.log.listGroups('default')).toContain('ka-group');
    const deleted = await admin.deleteGroups(['ka-group']);
    expect(deleted).toEqual([{ groupId: 'ka-group', errorCode: 0 }]);
    expect(await broker.log.listGroups('default')).not.toContain('ka-group');
    await expect(admin.deleteGroups(['ka-group'])).rejects.toThrow(); // GROUP_ID_NOT_FOUND

    await admin.deleteTopics({ topics: ['ka-g'] });
    expect(broker.log.getTopic('default', 'ka-g')).toBeUndefined();
    await expect(admin.deleteTopics({ topics: ['ka-g'] })).rejects.toThrow();
    await admin.disconnect();
  });
});
