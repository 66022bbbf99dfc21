import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createHttpServer } from '../../src/protocol/http/server.js';
import { registerTopicRoutes } from '../../src/protocol/http/topics.js';
import { partitionForKey } from '../../src/log/murmur2.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { OpenedTopicLog } from '../../src/log/topic-log.js';
import { open, quiet } from './helpers.js';

let app: FastifyInstance;
let log: OpenedTopicLog;

beforeAll(async () => {
  log = await open(new MemoryStore());
  app = await createHttpServer({ logger: quiet, registry: new Registry(), routes: [(a) => registerTopicRoutes(a, log)], readiness: () => ({ ready: true, components: {} }) });
});
afterAll(async () => {
  await app.close();
  await log.close();
});

const base = '/v1/namespaces/ns/topics';

describe('HTTP topics and records', () => {
  it('creates, describes, lists and deletes topics', async () => {
    let r = await app.inject({ method: 'PUT', url: `${base}/a`, payload: { partitions: 3, maxMessageBytes: 100 } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ namespace: 'ns', name: 'a', config: { partitions: 3, maxMessageBytes: 100 } });
    r = await app.inject({ method: 'PUT', url: `${base}/a`, payload: {} });
    expect(r.statusCode).toBe(409);
    expect(r.json().error).toMatchObject({ code: 'STRATA_ERR_TOPIC_EXISTS', retriable: false });
    r = await app.inject({ method: 'PUT', url: `${base}/b`, payload: { partitions: 0 } });
    expect(r.statusCode).toBe(400);
    r = await app.inject({ method: 'PUT', url: `${base}/b`, payload: { bogus: 1 } });
    expect(r.json().error.code).toBe('STRATA_ERR_INVALID_REQUEST');
    expect((await app.inject({ method: 'GET', url: `${base}/a` })).json().partitions.length).toBe(3);
    expect((await app.inject({ method: 'GET', url: base })).json().topics.map((t: { name: string }) => t.name)).toEqual(['a']);
    expect((await app.inject({ method: 'GET', url: `${base}/zz` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `${base}/a` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `${base}/a` })).json().error.code).toBe('STRATA_ERR_TOPIC_NOT_FOUND');
  });

  it('produces (string, base64, headers, key partitioning) and consumes', async () => {
    await app.inject({ method: 'PUT', url: `${base}/r`, payload: { partitions: 4, maxMessageBytes: 64 } });
    const payload = [
      { value: 'hello', key: 'k1', headers: [{ key: 'h', value: 'v' }] },
      { value: { base64: Buffer.from([0xff, 0x00, 0x01]).toString('base64') }, partition: 2 },
      { value: null, key: 'k1' },
    ];
    const r = await app.inject({ method: 'POST', url: `${base}/r/records`, payload });
    expect(r.statusCode).toBe(200);
    const out = r.json().records as Array<{ partition: number; offset: number }>;
    const kp = partitionForKey(Buffer.from('k1'), 4);
    expect(out[0]).toEqual({ partition: kp, offset: 0 });
    expect(out[2]).toEqual({ partition: kp, offset: 1 });
    expect(out[1]!.partition).toBe(2);
    const got = (await app.inject({ method: 'GET', url: `${base}/r/partitions/${kp}/records?offset=0` })).json();
    expect(got.records.map((x: { value: unknown }) => x.value)).toEqual(['hello', null]);
    expect(got.records[0].headers).toEqual([{ key: 'h', value: 'v' }]);
    expect(got.records[0].key).toBe('k1');
    expect(got.next_offset).toBe(2);
    const bin = (await app.inject({ method: 'GET', url: `${base}/r/partitions/2/records?offset=${out[1]!.offset}` })).json();
    expect(bin.records[0].value).toEqual({ base64: '/wAB' });
  });

  it('long-polls with max_wait_ms', async () => {
    const t0 = Date.now();
    const wait = app.inject({ method: 'GET', url: `${base}/r/partitions/3/records?offset=0&max_wait_ms=3000` });
    setTimeout(() => void app.inject({ method: 'POST', url: `${base}/r/records`, payload: [{ value: 'late', partition: 3 }] }), 100);
    const got = (await wait).json();
    expect(got.records.map((x: { value: string }) => x.value)).toEqual(['late']);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('answers bad input with 4xx and a catalog code', async () => {
    const bad = async (method: 'POST' | 'GET', url: string, payload?: unknown, headers?: Record<string, string>) => {
      const r = await app.inject({ method, url, payload: payload as string, headers });
      return [r.statusCode, r.json().error?.code];
    };
    expect(await bad('POST', `${base}/none/records`, [{ value: 'x' }])).toEqual([404, 'STRATA_ERR_TOPIC_NOT_FOUND']);
    expect(await bad('POST', `${base}/r/records`, '{not json', { 'content-type': 'application/json' })).toEqual([400, 'STRATA_ERR_INVALID_REQUEST']);
    expect(await bad('POST', `${base}/r/records`, [{ novalue: 1 }])).toEqual([400, 'STRATA_ERR_INVALID_REQUEST']);
    expect(await bad('POST', `${base}/r/records`, [{ value: 5 }])).toEqual([400, 'STRATA_ERR_INVALID_REQUEST']);
    expect(await bad('POST', `${base}/r/records`, [{ value: { base64: '!!' } }])).toEqual([400, 'STRATA_ERR_INVALID_REQUEST']);
    expect(await bad('POST', `${base}/r/records`, [{ value: 'x'.repeat(65) }])).toEqual([413, 'STRATA_ERR_RECORD_TOO_LARGE']);
    expect(await bad('POST', `${base}/r/records`, [{ value: 'x', partition: 9 }])).toEqual([404, 'STRATA_ERR_PARTITION_NOT_FOUND']);
    expect(await bad('GET', `${base}/r/partitions/0/records?offset=99`)).toEqual([416, 'STRATA_ERR_OFFSET_OUT_OF_RANGE']);
    expect(await bad('GET', `${base}/r/partitions/7/records?offset=0`)).toEqual([404, 'STRATA_ERR_PARTITION_NOT_FOUND']);
  });
});
