/**
 * Issue 9, "done when": the real `strata start` process gets MQTT traffic (mqtt.js), Kafka traffic (kafkajs:
 * produce, a consumer group that consumes and commits) and HTTP traffic (produce, consume, admin); then one
 * /metrics scrape holds every metric the Grafana dashboards and the Prometheus alert rules use, and the
 * traffic shows up in the per-protocol series.
 */
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { monitoredMetrics } from '../support/dashboards.js';
import { ROOT, startStrata, type StrataProcess } from '../support/process.js';

let s: StrataProcess | undefined;
afterAll(async () => {
  await s?.stop();
});

/** Sum of the samples of `name` whose labels contain every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const l = m[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) sum += Number(m[2]);
  }
  return sum;
}

describe('/metrics after MQTT, Kafka and HTTP traffic', () => {
  it('exposes every metric the dashboards and alerts use, with the traffic in them', async () => {
    s = await startStrata();
    const base = `http://127.0.0.1:${s.httpPort}`;
    expect(s.mqttPort, 'the MQTT listener runs').toBeDefined();
    expect(s.kafkaPort, 'the Kafka listener runs').toBeDefined();

    // MQTT: QoS 0 and 1 through the broker's router
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.mqttPort}`, { reconnectPeriod: 0, clientId: 'scrape-sub' });
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.mqttPort}`, { reconnectPeriod: 0, clientId: 'scrape-pub', protocolVersion: 5 });
    const got: string[] = [];
    sub.on('message', (_t, p) => got.push(p.toString()));
    await sub.subscribeAsync('sensors/#', { qos: 1 });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`sensors/t${i}`, `m${i}`, { qos: 1 });
    for (let i = 0; i < 100 && got.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(5);
    await Promise.all([sub.endAsync(), pub.endAsync()]);

    // Kafka: produce, then a consumer group reads half and commits (lag stays on the rest)
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.kafkaPort}`], clientId: 'scrape', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'scrape-k', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'scrape-k', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'scrape-g', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'scrape-k', fromBeginning: true });
    let consumed = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void consumed++ });
    for (let i = 0; i < 300 && consumed < 10; i++) await new Promise((r) => setTimeout(r, 50));
    expect(consumed).toBe(10);
    await consumer.commitOffsets([{ topic: 'scrape-k', partition: 0, offset: '4' }]);
    await consumer.disconnect();
    await admin.disconnect();

    // HTTP: produce, consume, admin
    const post = await fetch(`${base}/v1/namespaces/default/topics/scrape-k/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ value: 'h1' }, { value: 'h2' }]) });
    expect(post.status).toBe(200);
    const read = await fetch(`${base}/v1/namespaces/default/topics/scrape-k/partitions/0/records?offset=0`);
    expect(((await read.json()) as { records: unknown[] }).records.length).toBeGreaterThanOrEqual(12);
    expect((await fetch(`${base}/v1/namespaces/default/groups/scrape-g`)).status).toBe(200);

    const text = await (await fetch(`${base}/metrics`)).text();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const monitored = monitoredMetrics();
    expect(monitored.length).toBeGreaterThan(25);
    expect(monitored).toEqual(expect.arrayContaining(['strata_mqtt_bytes_total', 'strata_kafka_bytes_total', 'strata_http_requests_total', 'strata_consumer_lag_records', 'strata_cache_hits_total']));
    expect(monitored.filter((m) => !exposed.has(m))).toEqual([]);

    // every strata_* metric the running node registered is documented
    const doc = readFileSync(join(ROOT, 'docs/reference/metrics.md'), 'utf8');
    expect([...exposed].filter((m) => m!.startsWith('strata_') && !doc.includes(`| \`${m}\` |`))).toEqual([]);

    // the traffic is in the series the dashboard plots
    expect(sample(text, 'strata_mqtt_bytes_total')).toBeGreaterThan(0);
    expect(sample(text, 'strata_mqtt_messages_routed_total')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'strata_mqtt_connections')).toBe(0);
    expect(sample(text, 'strata_kafka_bytes_total')).toBeGreaterThan(0);
    expect(sample(text, 'strata_kafka_requests_total', { api: 'Produce' })).toBeGreaterThan(0);
    expect(sample(text, 'strata_kafka_request_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'strata_http_requests_total', { route: '/v1/namespaces/:ns/topics/:topic/records' })).toBeGreaterThan(0);
    expect(sample(text, 'strata_log_wal_flush_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'strata_log_append_bytes_total')).toBeGreaterThan(0);
    expect(sample(text, 'strata_store_requests_total')).toBeGreaterThan(0);
    expect(sample(text, 'strata_up')).toBe(1);
    // 12 records, committed offset 4 → lag 8
    expect(sample(text, 'strata_consumer_lag_records', { group: 'scrape-g', topic: 'scrape-k', partition: '0' })).toBe(8);
  }, 120_000);
});
