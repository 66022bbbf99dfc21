import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { StrataError } from '../../src/errors.js';
import { counter, gauge, histogram, initProcessMetrics, metricsRegistry } from '../../src/metrics/index.js';
import type { ReadinessReport } from '../../src/protocol/http/health.js';
import { createHttpServer } from '../../src/protocol/http/server.js';

const silent = pino({ level: 'silent' });

async function app(readiness: () => ReadinessReport = () => ({ ready: true, components: { store: { ready: true } } })) {
  const registry = new Registry();
  initProcessMetrics(registry);
  return createHttpServer({
    logger: silent,
    registry,
    readiness,
    routes: [
      (a) => {
        a.get('/boom/strata', async () => {
          throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', 'topic a/b not found', { details: { topic: 'a/b' } });
        });
        a.get('/boom/bug', async () => {
          throw new TypeError('secret internal detail');
        });
        a.post('/echo', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }, async (req) => req.body);
      },
      async (a) => {
        await Promise.resolve();
        a.get('/async-registrar', async () => ({ ok: true }));
      },
    ],
  });
}

describe('HTTP base', () => {
  it('GET /healthz answers 200', async () => {
    const a = await app();
    const res = await a.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await a.close();
  });

  it('GET /readyz is 200 when ready and 503 naming the failing component otherwise', async () => {
    let report: ReadinessReport = { ready: true, components: { store: { ready: true }, http: { ready: true } } };
    const a = await app(() => report);
    expect((await a.inject('/readyz')).statusCode).toBe(200);
    report = { ready: false, components: { store: { ready: false, reason: 'bucket missing' }, http: { ready: true } } };
    const res = await a.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', failing: ['store'], components: { store: { ready: false, reason: 'bucket missing' } } });
    await a.close();
  });

  it('GET /metrics serves Prometheus text with build info, process metrics and request counts', async () => {
    const a = await app();
    await a.inject('/healthz');
    const res = await a.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/^strata_build_info\{version="\d+\.\d+\.\d+[^"]*",node_version="v\d+[^"]*"\} 1$/m);
    expect(res.body).toMatch(/^strata_up 1$/m);
    expect(res.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(res.body).toMatch(/^strata_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    await a.close();
  });

  it('answers errors in one JSON shape with the catalog status', async () => {
    const a = await app();
    const nf = await a.inject('/boom/strata');
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toEqual({ error: { code: 'STRATA_ERR_TOPIC_NOT_FOUND', message: 'topic a/b not found', retriable: false, details: { topic: 'a/b' } } });

    const bug = await a.inject('/boom/bug');
    expect(bug.statusCode).toBe(500);
    expect(bug.json()).toEqual({ error: { code: 'STRATA_ERR_INTERNAL', message: 'internal error', retriable: false } });
    expect(bug.body).not.toContain('secret internal detail');

    const route = await a.inject('/nope?x=1');
    expect(route.statusCode).toBe(404);
    expect(route.json().error).toMatchObject({ code: 'STRATA_ERR_ROUTE_NOT_FOUND', message: 'no route GET /nope', retriable: false });

    const invalid = await a.inject({ method: 'POST', url: '/echo', payload: { n: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('STRATA_ERR_INVALID_REQUEST');

    const badJson = await a.inject({ method: 'POST', url: '/echo', payload: '{', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('STRATA_ERR_INVALID_REQUEST');

    expect((await a.inject('/async-registrar')).json()).toEqual({ ok: true });
    await a.close();
  });

  it('logs internal errors with their detail', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const a = await createHttpServer({
      logger,
      registry: new Registry(),
      readiness: () => ({ ready: true, components: {} }),
      routes: [(x) => void x.get('/bug', async () => Promise.reject(new Error('disk on fire')))],
    });
    await a.inject('/bug');
    expect(lines.join('')).toContain('disk on fire');
    await a.close();
  });
});

describe('schemas', () => {
  it('accept union types without Ajv writing warnings to the console', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const a = await createHttpServer({
      logger: silent,
      registry: new Registry(),
      readiness: () => ({ ready: true, components: {} }),
      routes: [(x) => void x.post('/u', { schema: { body: { type: 'object', properties: { key: { type: ['string', 'number', 'null'] } } } } }, async (req) => req.body)],
    });
    const res = await a.inject({ method: 'POST', url: '/u', payload: { key: null } });
    expect(res.statusCode).toBe(200);
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    warn.mockRestore();
    log.mockRestore();
    await a.close();
  });
});

describe('metrics registry', () => {
  it('factories are idempotent and refuse a type clash', () => {
    const a = counter({ name: 'strata_test_things_total', help: 'h', labelNames: ['x'] });
    const b = counter({ name: 'strata_test_things_total', help: 'h', labelNames: ['x'] });
    expect(a).toBe(b);
    expect(() => gauge({ name: 'strata_test_things_total', help: 'h' })).toThrow(/another type/);
    const h = histogram({ name: 'strata_test_latency_seconds', help: 'h' });
    expect(histogram({ name: 'strata_test_latency_seconds', help: 'h' })).toBe(h);
    initProcessMetrics();
    initProcessMetrics();
    expect(metricsRegistry.getSingleMetric('strata_build_info')).toBeDefined();
  });
});
