import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, collect, connect, connectCollect, sleep, startBroker, type TestBroker } from './helpers.js';

let tb: TestBroker;
beforeEach(async () => {
  tb = await startBroker();
});
afterEach(async () => {
  await closeAll();
  await tb.close();
});

describe.each([4, 5] as const)('mqtt.js protocol %i', (protocolVersion) => {
  it('routes QoS 0, 1 and 2 through + and # filters', async () => {
    const sub = await connect(tb, { protocolVersion });
    const got = collect(sub);
    await sub.subscribeAsync({ 'a/+/c': { qos: 2 }, 'x/#': { qos: 1 } });
    const pub = await connect(tb, { protocolVersion });
    await pub.publishAsync('a/b/c', 'zero', { qos: 0 });
    await pub.publishAsync('a/b/c', 'one', { qos: 1 });
    await pub.publishAsync('a/b/c', 'two', { qos: 2 });
    await pub.publishAsync('x', 'parent', { qos: 1 });
    await pub.publishAsync('a/b/d', 'nomatch', { qos: 1 });
    const m = await got.wait(4);
    expect(m.map((r) => r.payload.toString())).toEqual(['zero', 'one', 'two', 'parent']);
    expect(m.map((r) => r.packet.qos)).toEqual([0, 1, 2, 1]);
  });

  it('retained messages: stored, delivered on wildcard subscribe with RETAIN, deleted by empty payload', async () => {
    const pub = await connect(tb, { protocolVersion });
    await pub.publishAsync('r/1', 'one', { qos: 1, retain: true });
    await pub.publishAsync('r/2', 'two', { qos: 1, retain: true });
    await pub.publishAsync('r/2', '', { qos: 1, retain: true });
    const sub = await connect(tb, { protocolVersion });
    const got = collect(sub);
    await sub.subscribeAsync('r/#', { qos: 1 });
    const m = await got.wait(1);
    await sleep(100);
    expect(got.messages.length).toBe(1);
    expect(m[0]!.topic).toBe('r/1');
    expect(m[0]!.packet.retain).toBe(true);
    // a live message to an existing subscription has RETAIN cleared [MQTT-3.3.1-12]
    await pub.publishAsync('r/1', 'live', { qos: 1, retain: true });
    const m2 = await got.wait(2);
    expect(m2[1]!.packet.retain).toBe(false);
  });

  it('$SYS topics are not matched by # and are by $SYS/#', async () => {
    const sub = await connect(tb, { protocolVersion });
    const all = collect(sub);
    await sub.subscribeAsync('#');
    const pub = await connect(tb, { protocolVersion });
    await pub.publishAsync('$SYS/test', 'x', { qos: 1 });
    await pub.publishAsync('normal', 'y', { qos: 1 });
    const m = await all.wait(1);
    await sleep(50);
    expect(m.map((r) => r.topic)).toEqual(['normal']);
  });

  it('will message on abnormal close, none after DISCONNECT', async () => {
    const watcher = await connect(tb, { protocolVersion });
    const got = collect(watcher);
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const a = await connect(tb, { protocolVersion, clientId: 'wa', will: { topic: 'will/a', payload: Buffer.from('gone'), qos: 1, retain: false } });
    const b = await connect(tb, { protocolVersion, clientId: 'wb', will: { topic: 'will/b', payload: Buffer.from('gone'), qos: 1, retain: false } });
    await b.endAsync();
    (a as unknown as { stream: { destroy(): void } }).stream.destroy();
    const m = await got.wait(1);
    await sleep(100);
    expect(m.map((r) => r.topic)).toEqual(['will/a']);
  });

  it('persistent session receives messages queued while offline', async () => {
    const opts = protocolVersion === 5 ? { protocolVersion, clientId: 'p1', clean: false, properties: { sessionExpiryInterval: 60 } } : { protocolVersion, clientId: 'p1', clean: false };
    const s1 = await connect(tb, opts);
    await s1.subscribeAsync('q/#', { qos: 1 });
    await s1.endAsync();
    const pub = await connect(tb, { protocolVersion });
    for (let i = 0; i < 5; i++) await pub.publishAsync('q/x', String(i), { qos: 1 });
    const { got } = await connectCollect(tb, opts);
    const m = await got.wait(5);
    expect(m.map((r) => r.payload.toString())).toEqual(['0', '1', '2', '3', '4']);
  });

  it('client-id takeover closes the older connection', async () => {
    const a = await connect(tb, { protocolVersion, clientId: 'same' });
    const closed = new Promise<void>((r) => a.once('close', () => r()));
    await connect(tb, { protocolVersion, clientId: 'same' });
    await closed;
  });
});
