/** HTTP produce over namespace quotas: 429 + Retry-After (rate), 507 (storage); nothing written when refused. */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuotaManager } from '../../src/broker/tenants/quotas.js';
import type { NamespaceQuotas } from '../../src/broker/tenants/types.js';
import type { OpenedTopicLog } from '../../src/log/topic-log.js';
import { createHttpServer } from '../../src/protocol/http/server.js';
import { registerTopicRoutes } from '../../src/protocol/http/topics.js';
import { MemoryStore } from '../../src/store/memory.js';
import { open, quiet } from '../log/helpers.js';

let app: FastifyInstance;
let log: OpenedTopicLog;
const quotas: Record<string, NamespaceQuotas> = { rated: { messagesPerSecond: 10 }, bytes: { bytesPerSecond: 100 }, full: { maxStoredBytes: 200 } };

beforeAll(async () => {
  log = await open(new MemoryStore());
  const q = new QuotaManager({ quotasOf: (ns) => quotas[ns], storedBytes: (ns) => log.namespaceBytes(ns), logger: quiet, registry: new Registry(), storedBytesTtlMs: 0 });
  app = await createHttpServer({ logger: quiet, registry: new Registry(), routes: [(a) => registerTopicRoutes(a, log, q)], readiness: () => ({ ready: true, components: {} }) });
  for (const ns of ['rated', 'bytes', 'full', 'free']) await log.createTopic(ns, 't');
});
afterAll(async () => {
  await app.close();
  await log.close();
});

const produce = (ns: string, records: unknown[]) => app.inject({ method: 'POST', url: `/v1/namespaces/${ns}/topics/t/records`, payload: records });
const values = (n: number, size = 1) => Array.from({ length: n }, () => ({ value: 'x'.repeat(size) }));

describe('HTTP produce quotas', () => {
  it('messagesPerSecond: the burst passes, then 429 STRATA_ERR_QUOTA_EXCEEDED with Retry-After; nothing written', async () => {
    expect((await produce('rated', values(10))).statusCode).toBe(200);
    const r = await produce('rated', values(5));
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json().error).toMatchObject({ code: 'STRATA_ERR_QUOTA_EXCEEDED', retriable: true, details: { namespace: 'rated', quota: 'messagesPerSecond' } });
    expect(r.json().error.details.retryAfterMs).toBeGreaterThan(400);
    expect(log.getTopic('rated', 't')!.partitions[0]!.highWatermark).toBe(10);
    // a namespace without quotas is not affected
    for (let i = 0; i < 5; i++) expect((await produce('free', values(100))).statusCode).toBe(200);
  });

  it('bytesPerSecond counts key and value bytes; Retry-After rounds up to whole seconds', async () => {
    expect((await produce('bytes', [{ key: 'k', value: 'x'.repeat(99) }])).statusCode).toBe(200);
    const r = await produce('bytes', [{ value: 'x'.repeat(100) }]);
    expect(r.statusCode).toBe(429);
    expect(r.json().error.details.quota).toBe('bytesPerSecond');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('maxStoredBytes: 507 STRATA_ERR_STORAGE_QUOTA_EXCEEDED once the namespace holds the quota', async () => {
    let status = 200;
    let n = 0;
    while (status === 200 && n < 20) {
      status = (await produce('full', values(1, 50))).statusCode;
      n++;
    }
    expect(status).toBe(507);
    expect(n).toBeGreaterThan(1);
    const r = await produce('full', values(1));
    expect(r.json().error).toMatchObject({ code: 'STRATA_ERR_STORAGE_QUOTA_EXCEEDED', retriable: false });
    expect(log.namespaceBytes('full')).toBeGreaterThanOrEqual(200);
    expect(log.namespaceBytes('full')).toBeLessThan(400);
  });
});
