/**
 * A mounted directory is a read-only topic for every frontend: listed with the topics, readable over the
 * HTTP records endpoint and by an unmodified Kafka consumer (kafkajs), refused for writes with the proper errors.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

let dir: string;
let node: StrataNode;
const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${node.ports.http}${path}`, init);
const FILES = { 'a.txt': 'alpha', 'b.txt': 'bravo', 'c/d.txt': 'charlie-delta' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-mount-topics-'));
  const src = join(dir, 'src');
  await mkdir(join(src, 'c'), { recursive: true });
  for (const [k, v] of Object.entries(FILES)) await writeFile(join(src, k), v);
  const argv = ['--data-dir', join(dir, 'data'), '--http-port', '0', '--mqtt-port', '0', '--kafka-port', '0', '--mount-allowed-dirs', src];
  node = await startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
  const res = await http('/v1/namespaces/default/mounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'files', source: `file://${src}`, format: 'raw' }) });
  expect(res.status).toBe(201);
  for (let i = 0; i < 100; i++) {
    const m = (await (await http('/v1/namespaces/default/mounts/files')).json()) as { highWatermark: number };
    if (m.highWatermark === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('mounted topics', () => {
  it('are listed and described with the topics, read-only, one partition', async () => {
    const list = (await (await http('/v1/namespaces/default/topics')).json()) as { topics: Array<{ name: string; readOnly?: boolean; partitions: Array<{ highWatermark: number }> }> };
    const t = list.topics.find((x) => x.name === 'files');
    expect(t).toMatchObject({ readOnly: true, partitions: [{ highWatermark: 3 }] });
    expect((await http('/v1/namespaces/default/topics/files')).status).toBe(200);
  });

  it('are readable over the HTTP records endpoint, in key order, and refuse writes', async () => {
    const body = (await (await http('/v1/namespaces/default/topics/files/partitions/0/records?offset=0')).json()) as { records: Array<{ offset: number; key: string; value: string }>; high_watermark: number };
    expect(body.records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'a.txt', 'alpha'],
      [1, 'b.txt', 'bravo'],
      [2, 'c/d.txt', 'charlie-delta'],
    ]);
    const from1 = (await (await http('/v1/namespaces/default/topics/files/partitions/0/records?offset=1&max_records=1')).json()) as { records: Array<{ value: string }>; next_offset: number };
    expect(from1.records.map((r) => r.value)).toEqual(['bravo']);
    expect(from1.next_offset).toBe(2);
    const write = await http('/v1/namespaces/default/topics/files/records', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ value: 'x' }]) });
    expect(write.status).toBe(405);
    expect(((await write.json()) as { error: { code: string } }).error.code).toBe('STRATA_ERR_READ_ONLY_TOPIC');
    expect((await http('/v1/namespaces/default/topics/files', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(409);
  });

  it('are consumed by an unmodified Kafka client (kafkajs), with the object key as record key', async () => {
    const kafka = new Kafka({ clientId: 'mount-reader', brokers: [`127.0.0.1:${node.ports.kafka}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain('files');
    const offsets = await admin.fetchTopicOffsets('files');
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, high: '3', low: '0' })]);
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: 'mount-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'files', fromBeginning: true });
    const got: Array<[string, string, string]> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push([message.offset, message.key!.toString(), message.value!.toString()]);
          if (got.length === 3) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(got).toEqual([
      ['0', 'a.txt', 'alpha'],
      ['1', 'b.txt', 'bravo'],
      ['2', 'c/d.txt', 'charlie-delta'],
    ]);
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: 'files', messages: [{ value: 'nope' }] })).rejects.toThrow();
    await producer.disconnect();
  });
});
