/**
 * One log, three protocols, in a whole node: MQTT messages mapped to a log topic (mqttLogTopics) are read
 * by a Kafka consumer (MQTT topic as the record key); records produced over Kafka are read over the HTTP
 * record endpoint; records produced over HTTP are read by a Kafka consumer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

let dir: string;
let node: StrataNode;
let kafka: Kafka;
const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${node.ports.http}${path}`, init);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-kafka-interop-'));
  const argv = ['--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--kafka-port', '0', '--mqtt-log-topics', 'sensors/#=sensors', '--kafka-group-initial-rebalance-delay', '0'];
  node = await startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
  kafka = new Kafka({ clientId: 'interop', brokers: [`127.0.0.1:${node.ports.kafka}`], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function consume(topic: string, n: number): Promise<Array<{ key: string | null; value: string }>> {
  const consumer: Consumer = kafka.consumer({ groupId: `interop-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Array<{ key: string | null; value: string }> = [];
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => void (got.push({ key: message.key?.toString() ?? null, value: message.value!.toString() }), got.length === n && resolve()) });
  });
  await consumer.disconnect();
  return got;
}

describe('Kafka ↔ MQTT ↔ HTTP on one log', () => {
  it('a Kafka consumer reads MQTT messages mapped to a log topic', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${node.ports.mqtt}`, { clientId: 'interop-pub' });
    await client.publishAsync('sensors/a/temp', '21.5', { qos: 1 });
    await client.publishAsync('sensors/b/temp', '19.0', { qos: 1 });
    await client.endAsync();
    expect(await consume('sensors', 2)).toEqual([
      { key: 'sensors/a/temp', value: '21.5' },
      { key: 'sensors/b/temp', value: '19.0' },
    ]);
  });

  it('HTTP reads what Kafka produced, Kafka reads what HTTP produced', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'bridge', messages: [{ key: 'k1', value: 'from-kafka', headers: { h: 'v' } }] });
    await producer.disconnect();
    const res = await http('/v1/namespaces/default/topics/bridge/partitions/0/records?offset=0');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { records: Array<{ key: unknown; value: unknown; headers: unknown }> };
    expect(body.records[0]).toMatchObject({ key: 'k1', value: 'from-kafka', headers: [{ key: 'h', value: 'v' }] });

    const post = await http('/v1/namespaces/default/topics/bridge/records', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ key: 'k2', value: 'from-http', partition: 0 }]),
    });
    expect(post.status).toBe(200);
    expect(await consume('bridge', 2)).toEqual([
      { key: 'k1', value: 'from-kafka' },
      { key: 'k2', value: 'from-http' },
    ]);
  });
});
