/**
 * Namespace quotas end to end against a real broker process: namespaces and credentials created through the
 * admin API, then MQTT (mqtt.js v5), Kafka (kafkajs, SASL PLAIN) and HTTP (Basic auth) clients of each tenant.
 *   capped  maxConnections=2     third MQTT client: CONNACK 0x97; third Kafka client: SASL fails with the quota
 *   rated   messagesPerSecond=50 MQTT v5 QoS 1 beyond the burst: 0x97; HTTP: 429 + Retry-After; Kafka: slower
 *   full    maxStoredBytes=3000  HTTP 507, MQTT v5 0x97, Kafka POLICY_VIOLATION
 *   free    no quotas            keeps working meanwhile
 */
import { Kafka, logLevel } from 'kafkajs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStrata, type StrataProcess } from '../support/process.js';

const TOKEN = 'quota-test-admin-token-0123456789';
let s: StrataProcess;
let base: string;
const clients: MqttClient[] = [];
const stops: Array<() => Promise<unknown>> = [];

const basic = (user: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${user}-pw`).toString('base64')}` });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function mqttConnect(user: string, version: 4 | 5 = 5): Promise<{ client?: MqttClient; code?: number }> {
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${s.mqttPort}`, { protocolVersion: version, username: user, password: `${user}-pw`, reconnectPeriod: 0, connectTimeout: 10_000 });
    c.once('connect', () => {
      clients.push(c);
      resolve({ client: c });
    });
    c.once('error', (err) => {
      c.end(true);
      resolve({ code: (err as { code?: number }).code });
    });
  });
}

function kafka(user: string): Kafka {
  return new Kafka({ clientId: `quota-${user}`, brokers: [`127.0.0.1:${s.kafkaPort}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 10_000, sasl: { mechanism: 'plain', username: user, password: `${user}-pw` } });
}

const produceHttp = (user: string, topic: string, records: unknown[]) => call('POST', `/v1/namespaces/${user}/topics/${topic}/records`, basic(user), records);

beforeAll(async () => {
  s = await startStrata({ env: { STRATA_ALLOW_ANONYMOUS: 'false', STRATA_ADMIN_TOKEN: TOKEN } });
  base = `http://127.0.0.1:${s.httpPort}`;
  const admin = { authorization: `Bearer ${TOKEN}` };
  const quotas = { capped: { maxConnections: 2 }, rated: { messagesPerSecond: 50 }, full: { maxStoredBytes: 3000 }, free: {} };
  for (const [ns, q] of Object.entries(quotas)) {
    expect((await call('PUT', `/v1/namespaces/${ns}`, admin, { quotas: q })).status).toBe(201);
    // one credential per namespace, named like it
    expect((await call('PUT', `/v1/namespaces/${ns}/credentials/${ns}`, admin, { password: `${ns}-pw` })).status).toBe(201);
    expect((await call('PUT', `/v1/namespaces/${ns}/topics/t`, basic(ns), {})).status).toBe(201);
  }
}, 90_000);

afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  for (const stop of stops.splice(0)) await stop().catch(() => undefined);
  await s?.stop();
});

describe('maxConnections', () => {
  it('MQTT and Kafka connections share the quota: the third gets CONNACK 0x97 / a SASL failure naming the quota', async () => {
    const a = await mqttConnect('capped');
    const b = await mqttConnect('capped');
    expect(a.client && b.client).toBeTruthy();
    expect((await mqttConnect('capped')).code).toBe(0x97);
    expect((await mqttConnect('capped', 4)).code).toBe(3); // 3.1.1: server unavailable
    const refused = kafka('capped').admin();
    await expect(refused.connect()).rejects.toThrow(/maxConnections quota/);
    await refused.disconnect();
    // another namespace is not limited
    expect((await mqttConnect('free')).client).toBeTruthy();
    // closing the MQTT clients frees their slots for Kafka clients
    await a.client!.endAsync();
    await b.client!.endAsync();
    await sleep(200);
    const k1 = kafka('capped').admin();
    await k1.connect();
    stops.push(() => k1.disconnect());
    expect((await k1.listTopics()).includes('t')).toBe(true);
    const m = await mqttConnect('capped');
    expect(m.client).toBeTruthy();
    expect((await mqttConnect('capped')).code).toBe(0x97);
    const k3 = kafka('capped').admin();
    await expect(k3.connect()).rejects.toThrow(/maxConnections quota/);
    await k3.disconnect();
  }, 60_000);
});

describe('messagesPerSecond', () => {
  it('MQTT v5 QoS 1 beyond the burst gets 0x97; the namespace without quotas is unaffected', async () => {
    const pub = (await mqttConnect('rated')).client!;
    const free = (await mqttConnect('free')).client!;
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => pub.publishAsync('r/1', `m${i}`, { qos: 1 })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(20);
    expect(results.length - refused.length).toBeGreaterThanOrEqual(50);
    for (const r of refused) expect((r as PromiseRejectedResult).reason.code).toBe(0x97);
    const freeResults = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => free.publishAsync('r/1', `m${i}`, { qos: 1 })));
    expect(freeResults.every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('HTTP produce beyond the burst gets 429 STRATA_ERR_QUOTA_EXCEEDED with Retry-After', async () => {
    await sleep(1100); // a full bucket again
    expect((await produceHttp('rated', 't', Array.from({ length: 50 }, () => ({ value: 'x' })))).status).toBe(200);
    // 25 more need 500 ms of refill at 50/s: refused however long the first produce took to be durable (one
    // record would be admitted again once it took 20 ms, which a loaded CI machine does)
    const r = await produceHttp('rated', 't', Array.from({ length: 25 }, () => ({ value: 'y' })));
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('STRATA_ERR_QUOTA_EXCEEDED');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await produceHttp('free', 't', Array.from({ length: 500 }, () => ({ value: 'x' })))).status).toBe(200);
  });

  it('Kafka produce keeps succeeding, throttled to the rate', async () => {
    await sleep(1100);
    const producer = kafka('rated').producer();
    await producer.connect();
    stops.push(() => producer.disconnect());
    const started = Date.now();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 't', acks: 1, messages: Array.from({ length: 25 }, (_, j) => ({ value: `k${i}-${j}` })) });
    // 125 records at 50/s with a burst of 50: the last sends wait for throttle_time_ms
    expect(Date.now() - started).toBeGreaterThan(900);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/strata_quota_throttle_seconds_total\{namespace="rated"\} [1-9]/);
    expect(metrics).toMatch(/strata_quota_rejections_total\{namespace="rated",quota="messagesPerSecond"\} \d+/);
  }, 30_000);
});

describe('maxStoredBytes', () => {
  it('HTTP 507, MQTT v5 0x97 and Kafka POLICY_VIOLATION once the namespace holds its quota', async () => {
    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) status = (await produceHttp('full', 't', [{ value: 'z'.repeat(1000) }])).status;
    expect(status).toBe(507);
    const r = await produceHttp('full', 't', [{ value: 'z' }]);
    expect(r.json.error.code).toBe('STRATA_ERR_STORAGE_QUOTA_EXCEEDED');
    const pub = (await mqttConnect('full')).client!;
    await expect(pub.publishAsync('s/1', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x97 });
    const producer = kafka('full').producer();
    await producer.connect();
    stops.push(() => producer.disconnect());
    await expect(producer.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
    // the namespace without quotas still produces on every protocol
    expect((await produceHttp('free', 't', [{ value: 'z'.repeat(10_000) }])).status).toBe(200);
    const freeProducer = kafka('free').producer();
    await freeProducer.connect();
    stops.push(() => freeProducer.disconnect());
    await freeProducer.send({ topic: 't', messages: [{ value: 'ok' }] });
    // one warn line per namespace and minute, not one per refusal
    await sleep(200); // the log lines reach stdout asynchronously
    const warns = s.logs().filter((l) => l.level === 'warn' && String(l.msg).includes('quota reached'));
    // a refusal is the tenant's state, not a server fault: no error lines
    expect(s.logs().filter((l) => l.level === 'error')).toEqual([]);
    expect(warns.some((l) => l.namespace === 'full')).toBe(true);
    expect(warns.filter((l) => l.namespace === 'rated').length).toBe(1);
  }, 30_000);
});
