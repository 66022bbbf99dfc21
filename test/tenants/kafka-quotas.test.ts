/**
 * Kafka frontend quota enforcement with a QuotaManager in process: connections past maxConnections (anonymous
 * listener: closed; SASL: SaslAuthenticate fails with the quota in its message), produce over a rate quota
 * (accepted, throttle_time_ms; v6+ answered at once and the connection muted as KIP-219 says, v0-5 answered
 * late), produce over maxStoredBytes (POLICY_VIOLATION with an error message).
 */
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaManager } from '../../src/broker/tenants/quotas.js';
import type { NamespaceQuotas } from '../../src/broker/tenants/types.js';
import { encodeBatch } from '../../src/log/record-batch.js';
import { ApiVersions } from '../../src/protocol/kafka/apis/api-versions.js';
import { Produce } from '../../src/protocol/kafka/apis/produce.js';
import { SaslAuthenticate, SaslHandshake } from '../../src/protocol/kafka/apis/sasl.js';
import { KafkaError } from '../../src/protocol/kafka/error-codes.js';
import { startTestBroker, type TestBroker } from '../kafka/support/broker.js';
import { RawClient } from '../kafka/support/raw-client.js';

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

async function start(quotas: Record<string, NamespaceQuotas>, opts: { sasl?: boolean; stored?: Record<string, number> } = {}): Promise<{ tb: TestBroker; q: QuotaManager; registry: Registry }> {
  const registry = new Registry();
  const q = new QuotaManager({ quotasOf: (ns) => quotas[ns], storedBytes: (ns) => opts.stored?.[ns] ?? 0, logger: pino({ level: 'silent' }), registry, storedBytesTtlMs: 0 });
  const tb = await startTestBroker({
    quotas: q,
    ...(opts.sasl
      ? { saslRequired: true, authenticate: async (_m: string, user: string, password: string) => (password === `${user}-pw` ? { namespace: user === 'bob' ? 'other' : 'acme' } : undefined) }
      : {}),
  });
  running.push(tb);
  return { tb, q, registry };
}

const raw = async (port: number): Promise<RawClient> => {
  const c = await RawClient.open(port);
  running.push({ stop: async () => c.close() });
  return c;
};

async function login(c: RawClient, user: string): Promise<{ errorCode: number; errorMessage: string | null }> {
  await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
  const r = await c.request(SaslAuthenticate, 1, { authBytes: Buffer.from(`\u0000${user}\u0000${user}-pw`) });
  return { errorCode: r.errorCode as number, errorMessage: r.errorMessage as string | null };
}

function kafka(port: number, user?: string): Kafka {
  return new Kafka({ clientId: 'quota-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...(user ? { sasl: { mechanism: 'plain', username: user, password: `${user}-pw` } } : {}) });
}

const produceBody = async (topic: string, n: number): Promise<Record<string, unknown>> => ({
  transactionalId: null,
  acks: 1,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: await encodeBatch(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${i}`) }))) }] }],
});

describe('Kafka maxConnections', () => {
  it('anonymous listener: a connection past the quota is closed at once; closing one frees a slot', async () => {
    const { tb, q } = await start({ default: { maxConnections: 2 } });
    const a = await raw(tb.port);
    const b = await raw(tb.port);
    expect((await a.request(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    const c = await raw(tb.port);
    await c.whenClosed(2000);
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(q.usage('default').connections).toBe(1);
    const d = await raw(tb.port);
    expect((await d.request(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    expect(b.closed).toBe(false);
  });

  it('SASL: authentication into a namespace at its quota fails with SASL_AUTHENTICATION_FAILED and the reason', async () => {
    const { tb, q } = await start({ acme: { maxConnections: 2 } }, { sasl: true });
    const a = await raw(tb.port);
    const b = await raw(tb.port);
    const c = await raw(tb.port);
    expect(q.usage('acme').connections).toBe(0); // counted only once authenticated
    expect((await login(a, 'alice')).errorCode).toBe(0);
    expect((await login(b, 'alice')).errorCode).toBe(0);
    const refused = await login(c, 'alice');
    expect(refused).toEqual({ errorCode: KafkaError.SASL_AUTHENTICATION_FAILED, errorMessage: 'namespace acme is at its maxConnections quota' });
    await c.whenClosed(2000);
    // another namespace is not affected
    expect((await login(await raw(tb.port), 'bob')).errorCode).toBe(0);
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await login(await raw(tb.port), 'alice')).errorCode).toBe(0);
    expect(q.usage('acme').connections).toBe(2);
  });

  it('kafkajs: a client past the quota fails to connect with the quota message', async () => {
    const { tb } = await start({ acme: { maxConnections: 1 } }, { sasl: true });
    const first = kafka(tb.port, 'alice').admin();
    await first.connect();
    running.push({ stop: () => first.disconnect() });
    const second = kafka(tb.port, 'alice').admin();
    await expect(second.connect()).rejects.toThrow(/maxConnections quota/);
    await second.disconnect();
  });
});

describe('Kafka produce over a rate quota', () => {
  it('kafkajs: every send succeeds, slowed down to the rate by throttle_time_ms', async () => {
    const { tb, registry } = await start({ default: { messagesPerSecond: 50 }, other: {} });
    const producer = kafka(tb.port).producer();
    await producer.connect();
    running.push({ stop: () => producer.disconnect() });
    await tb.log.createTopic('default', 'rated');
    const started = Date.now();
    for (let i = 0; i < 6; i++) await producer.send({ topic: 'rated', acks: 1, messages: Array.from({ length: 25 }, (_, j) => ({ value: `m${i}-${j}` })) });
    const elapsed = Date.now() - started;
    // 150 records at 50/s with a burst of 50: about 2 s
    expect(elapsed).toBeGreaterThan(1400);
    expect(tb.log.getTopic('default', 'rated')!.partitions[0]!.highWatermark).toBe(150);
    const throttled = (await registry.getSingleMetric('strata_quota_throttle_seconds_total')!.get()).values.find((v) => v.labels.namespace === 'default');
    expect(throttled!.value).toBeGreaterThan(1);
  });

  it('Produce v8 is answered at once and the connection muted; Produce v5 is answered late', async () => {
    const { tb } = await start({ default: { messagesPerSecond: 50 } });
    await tb.log.createTopic('default', 'raw');
    const c = await raw(tb.port);
    let r = await c.request(Produce, 8, await produceBody('raw', 50));
    expect(r.throttleTimeMs).toBe(0);
    let t = Date.now();
    r = await c.request(Produce, 8, await produceBody('raw', 25));
    expect(Date.now() - t).toBeLessThan(300);
    expect(r.throttleTimeMs).toBeGreaterThanOrEqual(400);
    t = Date.now();
    await c.request(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }); // read only after the mute
    expect(Date.now() - t).toBeGreaterThanOrEqual(350);
    await new Promise((res) => setTimeout(res, 1000));
    t = Date.now();
    await c.request(Produce, 5, await produceBody('raw', 50));
    const v5 = await c.request(Produce, 5, await produceBody('raw', 25));
    expect(v5.throttleTimeMs).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t).toBeGreaterThanOrEqual(400);
  });
});

describe('Kafka produce over maxStoredBytes', () => {
  it('every partition fails with POLICY_VIOLATION and the reason; other namespaces keep producing', async () => {
    const { tb } = await start({ default: { maxStoredBytes: 1000 }, other: {} }, { stored: { default: 5000 } });
    await tb.log.createTopic('default', 'full');
    const c = await raw(tb.port);
    const r = await c.request(Produce, 8, await produceBody('full', 1));
    const p = ((r.responses as Array<Record<string, unknown>>)[0]!.partitionResponses as Array<Record<string, unknown>>)[0]!;
    expect(p.errorCode).toBe(KafkaError.POLICY_VIOLATION);
    expect(p.errorMessage).toBe('namespace default is over its maxStoredBytes quota');
    const producer = kafka(tb.port).producer();
    await producer.connect();
    running.push({ stop: () => producer.disconnect() });
    await expect(producer.send({ topic: 'full', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
    expect(tb.log.getTopic('default', 'full')!.partitions[0]!.highWatermark).toBe(0);
  });
});
