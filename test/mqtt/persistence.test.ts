/**
 * Durability through the real topic log on an in-memory object store: a "crash" is abandoning the
 * broker without stopping it and opening a new log + broker on the same store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LogPersistence } from '../../src/broker/mqtt/log-persistence.js';
import { fromRecord, toRecord, fromDocument, toDocument } from '../../src/broker/mqtt/record-codec.js';
import { openTopicLog } from '../../src/log/index.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import { closeAll, connect, connectCollect, silent, startBroker, type TestBroker } from './helpers.js';

const running: TestBroker[] = [];
afterEach(async () => {
  await closeAll();
  for (const tb of running.splice(0)) await tb.server.close();
});

async function node(store: MemoryStore, logTopics?: { filter: string; topic: string }[]) {
  const keys = new Keys();
  const log = await openTopicLog({ store, keys, logger: silent, config: { walLingerMs: 5 } });
  const persistence = new LogPersistence({ store, keys, log, logger: silent });
  const tb = await startBroker({ persistence, broker: { logTopics } });
  running.push(tb);
  return { tb, log };
}

describe('record codec', () => {
  it('round-trips a message with every property through a log record and a document', () => {
    const m = {
      topic: 'a/b', payload: Buffer.from('hi'), qos: 1 as const, retain: true, expiresAt: 123, origin: 'c1',
      properties: { contentType: 'text/plain', payloadFormatIndicator: true, responseTopic: 'r', correlationData: Buffer.from([1, 2]), userProperties: { k: 'v', m: ['1', '2'] } },
    };
    const r = toRecord(m);
    const back = fromRecord({ offset: 0, timestamp: 0, key: r.key!, value: r.value, headers: r.headers! });
    expect(back).toEqual(m);
    const doc = fromDocument(toDocument(m));
    expect(doc.properties).toEqual(m.properties);
    expect(doc.payload.toString()).toBe('hi');
  });
});

describe.each([4, 5] as const)('restart (protocol %i)', (protocolVersion) => {
  it('a persistent QoS 1 subscriber gets every message published while it was away, after a crash', async () => {
    const store = new MemoryStore();
    const a = await node(store);
    const opts = { protocolVersion, clientId: 'durable', clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}) };
    const sub = await connect(a.tb, opts);
    await sub.subscribeAsync('sensors/#', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(a.tb, { protocolVersion });
    await pub.publishAsync('keep', 'retained', { qos: 1, retain: true });
    for (let i = 0; i < 50; i++) await pub.publishAsync(`sensors/${i % 3}`, `m${i}`, { qos: 1 });
    await pub.endAsync(true);
    // crash: nothing is stopped or flushed; a new node opens the same store
    await a.tb.server.close();
    const b = await node(store);
    const { got } = await connectCollect(b.tb, opts);
    const m = await got.wait(50);
    expect(m.map((r) => r.payload.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    const late = await connectCollect(b.tb, { protocolVersion });
    await late.client.subscribeAsync('keep', { qos: 1 });
    expect((await late.got.wait(1))[0]!.payload.toString()).toBe('retained');
  });
});

describe('shared subscriptions across a crash', () => {
  it('each message goes to exactly one persistent member of the group after the restart', async () => {
    const store = new MemoryStore();
    const a = await node(store);
    const member = (id: string) => ({ protocolVersion: 5 as const, clientId: id, clean: false, properties: { sessionExpiryInterval: 600 } });
    for (const id of ['w1', 'w2']) {
      const c = await connect(a.tb, member(id));
      await c.subscribeAsync('$share/workers/jobs/#', { qos: 1 });
      await c.endAsync();
    }
    const pub = await connect(a.tb, { protocolVersion: 5 });
    for (let i = 0; i < 10; i++) await pub.publishAsync('jobs/x', `j${i}`, { qos: 1 });
    await a.tb.server.close(); // crash
    const b = await node(store);
    const w1 = await connectCollect(b.tb, member('w1'));
    const w2 = await connectCollect(b.tb, member('w2'));
    await w1.got.wait(5);
    await w2.got.wait(5);
    const all = [...w1.got.messages, ...w2.got.messages].map((m) => m.payload.toString()).sort();
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `j${i}`).sort());
  });
});

describe('wills across a crash', () => {
  it('the will of a persistent session connected when the node died is published after the restart', async () => {
    const store = new MemoryStore();
    const a = await node(store);
    const will = { topic: 'status/dev1', payload: Buffer.from('offline'), qos: 1 as const, retain: true, properties: { willDelayInterval: 1 } };
    await connect(a.tb, { protocolVersion: 5, clientId: 'dev1', clean: false, properties: { sessionExpiryInterval: 600 }, will });
    await a.tb.server.close(); // crash
    const b = await node(store);
    const { client, got } = await connectCollect(b.tb, { protocolVersion: 5 });
    await client.subscribeAsync('status/#', { qos: 1 });
    const [m] = await got.wait(1, 4000);
    expect(m!.payload.toString()).toBe('offline');
    expect(b.tb.broker.space('default').retained.get('status/dev1')?.payload.toString()).toBe('offline');
  });
});

describe('mqttLogTopics', () => {
  it('appends matching publishes to a log topic readable through the TopicLog', async () => {
    const store = new MemoryStore();
    const { tb, log } = await node(store, [{ filter: 'telemetry/#', topic: 'telemetry' }]);
    const pub = await connect(tb, { protocolVersion: 5 });
    await pub.publishAsync('telemetry/t1', '21.5', { qos: 1, properties: { userProperties: { unit: 'C' } } });
    await pub.publishAsync('other', 'x', { qos: 1 });
    const r = await log.readRecords('default', 'telemetry', 0, 0);
    expect(r.records.length).toBe(1);
    expect(r.records[0]!.key!.toString()).toBe('telemetry/t1');
    expect(r.records[0]!.value!.toString()).toBe('21.5');
    expect(r.records[0]!.headers.find((h) => h.key === 'unit')?.value?.toString()).toBe('C');
  });
});
