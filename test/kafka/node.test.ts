/**
 * The Kafka listener inside a whole Strata node (store → log → listeners) on the fs store: kafkajs
 * produce/consume through the node's wiring, the strata_kafka_* metrics on GET /metrics, and SASL/PLAIN
 * with the users file shared with MQTT (namespace taken from the user; unauthenticated clients refused).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/auth/users.js';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

let dir: string;
let node: StrataNode;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-kafka-node-'));
  const usersFile = join(dir, 'users.json');
  await addUser(usersFile, 'alice', 'secret', { namespace: 'tenant-a' });
  const argv = ['--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--kafka-port', '0', '--users-file', usersFile, '--no-allow-anonymous', '--kafka-group-initial-rebalance-delay', '100ms'];
  node = await startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
});
afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Kafka listener in a Strata node', () => {
  it('serves an authenticated kafkajs client in its own namespace', async () => {
    const kafka = new Kafka({ clientId: 'node-test', brokers: [`127.0.0.1:${node.ports.kafka}`], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'alice', password: 'secret' } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    await producer.disconnect();
    expect(node.context.log!.getTopic('tenant-a', 'orders')).toBeDefined();
    expect(node.context.log!.getTopic('default', 'orders')).toBeUndefined();

    const consumer = kafka.consumer({ groupId: 'node-g', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => void (got.push(message.value!.toString()), got.length === 2 && resolve()) });
    });
    await consumer.disconnect();
    expect(got).toEqual(['one', 'two']);

    const metrics = await (await fetch(`http://127.0.0.1:${node.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/strata_kafka_requests_total\{api="Produce",version="7"\} [1-9]/);
    expect(metrics).toMatch(/strata_kafka_bytes_total\{direction="in"\} [1-9]/);
    expect(metrics).toMatch(/strata_kafka_group_rebalances_total [1-9]/);
    expect(metrics).toContain('strata_kafka_request_seconds_bucket');
    // lag of the Kafka group, exported by the log component
    expect(metrics).toMatch(/strata_consumer_lag_records\{[^}]*group="node-g"[^}]*\} 0/);
  });

  it('refuses wrong passwords and unauthenticated requests', async () => {
    const bad = new Kafka({ clientId: 'bad', brokers: [`127.0.0.1:${node.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'alice', password: 'nope' } });
    await expect(bad.admin().connect()).rejects.toThrow(/SASL|Authentication/i);
    const anon = new Kafka({ clientId: 'anon', brokers: [`127.0.0.1:${node.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000 });
    const admin = anon.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
  });
});
