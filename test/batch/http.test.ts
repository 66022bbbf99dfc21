import { tableFromIPC } from 'apache-arrow';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRawFrame } from '../../src/broker/batch/raw-frame.js';
import { BatchService } from '../../src/broker/batch/service.js';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import type { StoredRecord, TopicInfo, TopicLog } from '../../src/log/types.js';
import { registerBatchRoutes } from '../../src/protocol/http/batch.js';
import { installErrorHandlers } from '../../src/protocol/http/errors.js';
import { registerMountRoutes } from '../../src/protocol/http/mounts.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';

/** A written topic with 2 partitions of 30 and 20 records: value = "p<partition>-<offset>". */
function fakeLog(): TopicLog {
  const sizes = [30, 20];
  const info: TopicInfo = {
    namespace: 'ns',
    name: 'written',
    id: 'x',
    createdAt: 0,
    config: { partitions: 2, retentionMs: null, retentionBytes: null, maxMessageBytes: 1 << 20 },
    partitions: sizes.map((n, p) => ({ partition: p, logStartOffset: 0, highWatermark: n })),
  };
  const rec = (p: number, o: number): StoredRecord => ({ offset: o, timestamp: 1000 + o, key: Buffer.from(`k${o}`), value: Buffer.from(`p${p}-${o}`), headers: [] });
  return {
    getTopic: (ns: string, t: string) => (ns === 'ns' && t === 'written' ? info : undefined),
    readRecords: async (_ns: string, _t: string, p: number, offset: number, o: { maxRecords?: number } = {}) => {
      const end = Math.min(sizes[p]!, offset + (o.maxRecords ?? 1000));
      const records = Array.from({ length: Math.max(0, end - offset) }, (_, i) => rec(p, offset + i));
      return { records, nextOffset: end, highWatermark: sizes[p]!, logStartOffset: 0 };
    },
  } as unknown as TopicLog;
}

let app: FastifyInstance;
let mounts: MountRegistry;
const src = new MemoryStore('src');

beforeAll(async () => {
  for (let i = 0; i < 40; i++) await src.put(`img/${String(i).padStart(4, '0')}.bin`, Buffer.alloc(100, i));
  mounts = new MountRegistry({ store: new MemoryStore('meta'), keys: new Keys(), openS3: async () => src, mount: { pollIntervalMs: 3_600_000 } });
  const batches = new BatchService({ log: fakeLog(), mounts });
  app = Fastify();
  installErrorHandlers(app, pino({ level: 'silent' }));
  registerMountRoutes(app, mounts);
  registerBatchRoutes(app, { batches });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await mounts.close();
});

describe('mount routes', () => {
  it('create, describe with progress, list, delete', async () => {
    let r = await app.inject({ method: 'POST', url: '/v1/namespaces/ns/mounts', payload: { source: 's3://bucket/img/', topic: 'imgs', format: 'raw' } });
    expect(r.statusCode, r.body).toBe(201);
    await mounts.require('ns', 'imgs').refresh();
    r = await app.inject({ url: '/v1/namespaces/ns/mounts/imgs' });
    expect(r.json()).toMatchObject({ topic: 'imgs', format: 'raw', highWatermark: 40, progress: { objectsIndexed: 40, objectsTotal: 40, listing: false } });
    r = await app.inject({ url: '/v1/namespaces/ns/mounts' });
    expect(r.json().mounts.map((m: { topic: string }) => m.topic)).toEqual(['imgs']);
    r = await app.inject({ method: 'POST', url: '/v1/namespaces/ns/mounts', payload: { source: 's3://bucket/img/', topic: 'imgs' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('STRATA_ERR_MOUNT_EXISTS');
    r = await app.inject({ method: 'POST', url: '/v1/namespaces/ns/mounts', payload: { source: 's3://bucket', topic: 'x', format: 'parquet' } });
    expect(r.statusCode).toBe(400);
    r = await app.inject({ method: 'POST', url: '/v1/namespaces/ns/mounts', payload: { source: 's3://bucket', topic: 'gone' } });
    expect(r.statusCode).toBe(201);
    r = await app.inject({ method: 'DELETE', url: '/v1/namespaces/ns/mounts/gone' });
    expect(r.statusCode).toBe(204);
    r = await app.inject({ url: '/v1/namespaces/ns/mounts/gone' });
    expect(r.json().error.code).toBe('STRATA_ERR_MOUNT_NOT_FOUND');
  });
});

describe('batch routes', () => {
  it('raw batch of a written topic with next offset', async () => {
    const r = await app.inject({ url: '/v1/namespaces/ns/topics/written/partitions/1/batch?offset=5&max_records=10&format=raw' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.strata.batch');
    expect(r.headers['x-strata-next-offset']).toBe('15');
    const d = decodeRawFrame(r.rawPayload);
    expect(d.records.map((x) => x.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `p1-${5 + i}`));
  });
  it('arrow batch of a mounted topic (equal sizes → tensor column)', async () => {
    const r = await app.inject({ url: '/v1/namespaces/ns/topics/imgs/partitions/0/batch?offset=38&max_records=10&format=arrow' });
    expect(r.headers['x-strata-next-offset']).toBe('40');
    const t = tableFromIPC(r.rawPayload);
    expect(t.numRows).toBe(2);
    expect(t.schema.metadata.get('strata.value_layout')).toBe('fixed');
    expect(Buffer.from(t.getChild('key')!.get(1) as Uint8Array).toString()).toBe('img/0039.bin');
  });
  it('max_bytes caps a batch (at least one record)', async () => {
    const r = await app.inject({ url: '/v1/namespaces/ns/topics/imgs/partitions/0/batch?offset=0&max_records=100&max_bytes=250' });
    expect(r.headers['x-strata-record-count']).toBe('2');
  });
  it('epoch batches over a written topic with two partitions cover it once for 4 ranks', async () => {
    const seen: string[] = [];
    for (let rank = 0; rank < 4; rank++) {
      let pos = 0;
      while (pos >= 0) {
        const r = await app.inject({ url: `/v1/namespaces/ns/topics/written/epoch-batches?seed=3&epoch=1&rank=${rank}&world_size=4&batch_size=5&position=${pos}&format=raw` });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.headers['x-strata-epoch-records']).toBe('50');
        seen.push(...decodeRawFrame(r.rawPayload).records.map((x) => x.value!.toString()));
        pos = Number(r.headers['x-strata-next-position']);
      }
    }
    expect(seen.length).toBe(48); // 50 - 50 mod 4
    expect(new Set(seen).size).toBe(48);
  });
  it('errors: unknown topic, bad params, offset past the end', async () => {
    expect((await app.inject({ url: '/v1/namespaces/ns/topics/nope/partitions/0/batch' })).json().error.code).toBe('STRATA_ERR_TOPIC_NOT_FOUND');
    expect((await app.inject({ url: '/v1/namespaces/ns/topics/imgs/epoch-batches?rank=4&world_size=4' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/namespaces/ns/topics/imgs/partitions/0/batch?offset=41' })).json().error.code).toBe('STRATA_ERR_OFFSET_OUT_OF_RANGE');
  });
  it('a deleted source object: 409 with the record named, or left out with skip_changed=true', async () => {
    for (let i = 0; i < 10; i++) await src.put(`del/${i}`, Buffer.from(`v${i}`));
    await mounts.create({ namespace: 'ns', topic: 'del', source: 's3://bucket/del/' });
    await mounts.require('ns', 'del').refresh();
    await src.delete('del/3');
    const url = '/v1/namespaces/ns/topics/del/epoch-batches?seed=1&batch_size=10';
    const bad = await app.inject({ url });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().error).toMatchObject({ code: 'STRATA_ERR_MOUNT_SOURCE_CHANGED', details: { offset: 3, key: 'del/3' } });
    const ok = await app.inject({ url: `${url}&skip_changed=true` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-strata-skipped']).toBe('3');
    expect(decodeRawFrame(ok.rawPayload).records.map((r) => r.offset).sort()).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });
});
