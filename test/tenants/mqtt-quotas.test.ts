/**
 * MQTT frontend quota enforcement with a QuotaManager in process (namespace 'default', anonymous clients):
 * CONNACK 0x97 / 0x03 past maxConnections, released on every close path; PUBLISH over a rate or storage
 * quota: v5 PUBACK/PUBREC 0x97 and QoS 0 dropped, 3.1.1 backpressure (rate) or disconnect (storage).
 */
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaManager } from '../../src/broker/tenants/quotas.js';
import type { NamespaceQuotas } from '../../src/broker/tenants/types.js';
import { closeAll, connect, silent, sleep, startBroker, type TestBroker } from '../mqtt/helpers.js';

const running: TestBroker[] = [];
afterEach(async () => {
  await closeAll();
  for (const tb of running.splice(0)) await tb.close();
});

async function start(quotas: NamespaceQuotas, stored = 0): Promise<{ tb: TestBroker; q: QuotaManager; set(q: NamespaceQuotas): void; setStored(n: number): void }> {
  let current = quotas;
  let bytes = stored;
  const q = new QuotaManager({ quotasOf: (ns) => (ns === 'default' ? current : undefined), storedBytes: () => bytes, logger: silent, registry: new Registry(), storedBytesTtlMs: 0 });
  const tb = await startBroker({ server: { quotas: q } });
  running.push(tb);
  return { tb, q, set: (x) => (current = x), setStored: (n) => (bytes = n) };
}

/** A CONNECT that is refused: resolves with the v5 reason code or the 3.1.1 return code. */
function refusedCode(port: number, version: 4 | 5): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: version, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => reject(new Error('connected')));
    c.once('error', (err) => {
      c.end(true);
      resolve((err as { code: number }).code);
    });
  });
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await sleep(10);
  }
};

describe('MQTT maxConnections', () => {
  it('refuses the connection past the quota (v5 0x97, 3.1.1 return code 3) and frees slots on close, takeover and disconnect', async () => {
    const { tb, q } = await start({ maxConnections: 2 });
    const a = await connect(tb, { protocolVersion: 5, clientId: 'a' });
    await connect(tb, { protocolVersion: 4, clientId: 'b' });
    expect(await refusedCode(tb.port, 5)).toBe(0x97);
    expect(await refusedCode(tb.port, 4)).toBe(3);
    expect(q.usage('default').connections).toBe(2);
    // DISCONNECT frees a slot
    await a.endAsync();
    await until(() => q.usage('default').connections === 1);
    const a2 = await connect(tb, { protocolVersion: 5, clientId: 'a' });
    expect(await refusedCode(tb.port, 5)).toBe(0x97);
    // a dropped socket frees a slot
    (a2 as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until(() => q.usage('default').connections === 1);
    // takeover: the old connection's slot is freed when the new one takes the session
    await connect(tb, { protocolVersion: 5, clientId: 'b' });
    await until(() => q.usage('default').connections === 1);
    await connect(tb, { protocolVersion: 5, clientId: 'c' });
    expect(q.usage('default').connections).toBe(2);
    // at the quota, a takeover by the same client id is refused too (the old connection still counts)
    expect(await refusedCode(tb.port, 5)).toBe(0x97);
    await closeAll();
    await until(() => q.usage('default').connections === 0);
  });

  it('a quota raised while at the limit lets new clients in at once', async () => {
    const { tb, set } = await start({ maxConnections: 1 });
    await connect(tb, { protocolVersion: 5 });
    expect(await refusedCode(tb.port, 5)).toBe(0x97);
    set({ maxConnections: 2 });
    await connect(tb, { protocolVersion: 5 });
  });
});

describe('MQTT publish over a rate quota', () => {
  it('v5: QoS 1 and 2 beyond the burst get 0x97, QoS 0 is dropped; a refill admits again', async () => {
    const { tb } = await start({ messagesPerSecond: 5 });
    const pub = await connect(tb, { protocolVersion: 5, clientId: 'pub' });
    const subscriber = await connect(tb, { protocolVersion: 5, clientId: 'watch' });
    const seen: string[] = [];
    subscriber.on('message', (_t, p) => seen.push(p.toString()));
    await subscriber.subscribeAsync('q/#', { qos: 1 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => pub.publishAsync('q/1', `m${i}`, { qos: 1 })));
    const codes = results.map((r) => (r.status === 'fulfilled' ? 0 : (r.reason as { code: number }).code));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0x97, 0x97, 0x97]);
    await expect(pub.publishAsync('q/2', 'x', { qos: 2 })).rejects.toMatchObject({ code: 0x97 });
    await pub.publishAsync('q/0', 'dropped', { qos: 0 });
    await sleep(300);
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const dropped = (await tb.registry.getSingleMetric('strata_mqtt_messages_dropped_total')!.get()).values.find((v) => v.labels.reason === 'quota');
    expect(dropped?.value).toBe(1);
    await sleep(250); // refills ≥ 1 token at 5/s
    await pub.publishAsync('q/1', 'later', { qos: 1 });
  });

  it('3.1.1: no refusal exists, so the connection is slowed down to the rate and every message arrives', async () => {
    const { tb } = await start({ messagesPerSecond: 20 });
    const subscriber = await connect(tb, { protocolVersion: 4, clientId: 'watch' });
    const seen: string[] = [];
    subscriber.on('message', (_t, p) => seen.push(p.toString()));
    await subscriber.subscribeAsync('r/#', { qos: 1 });
    const pub = await connect(tb, { protocolVersion: 4, clientId: 'pub' });
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => pub.publishAsync('r/1', `m${i}`, { qos: i % 2 ? 1 : 0 })));
    await until(() => seen.length === 40, 5000);
    const elapsed = Date.now() - started;
    // 20 in the burst, the next 20 at 20/s: about one second
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`)); // in order
    // the connection stays usable
    await pub.publishAsync('r/1', 'after', { qos: 1 });
  });

  it('bytesPerSecond refuses like messagesPerSecond', async () => {
    const { tb } = await start({ bytesPerSecond: 1000 });
    const pub = await connect(tb, { protocolVersion: 5 });
    await pub.publishAsync('b/1', Buffer.alloc(900), { qos: 1 });
    await expect(pub.publishAsync('b/1', Buffer.alloc(200), { qos: 1 })).rejects.toMatchObject({ code: 0x97 });
  });
});

describe('MQTT publish over the storage quota', () => {
  it('v5: 0x97 for QoS 1; 3.1.1: the client is disconnected', async () => {
    const { tb, setStored } = await start({ maxStoredBytes: 1000 }, 500);
    const v5 = await connect(tb, { protocolVersion: 5 });
    await v5.publishAsync('s/1', 'ok', { qos: 1 });
    setStored(1000);
    await expect(v5.publishAsync('s/1', 'full', { qos: 1 })).rejects.toMatchObject({ code: 0x97 });
    expect(v5.connected).toBe(true);
    const v4 = await connect(tb, { protocolVersion: 4 });
    const closed = new Promise<void>((r) => v4.once('close', () => r()));
    v4.publish('s/1', 'full', { qos: 1 });
    await closed;
    setStored(10);
    const again = await connect(tb, { protocolVersion: 4 });
    await again.publishAsync('s/1', 'ok', { qos: 1 });
  });
});
