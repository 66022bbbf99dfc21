/** Exact-bytes session flows over in-memory streams: protocol errors, reason codes, QoS 2, splitting. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt-packet';
import { startBroker, sleep, type TestBroker } from './helpers.js';
import { connectPacket, rawClient, type RawClient } from './raw.js';

let tb: TestBroker;
const clients: RawClient[] = [];
beforeEach(async () => {
  tb = await startBroker({ server: { limits: { maxPacketSize: 1024, topicAliasMaximum: 4, receiveMaximum: 3 } } });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await tb.close();
});

async function open(id: string, v: 3 | 4 | 5 = 5, extra = {}): Promise<RawClient> {
  const c = rawClient(tb.server, v);
  clients.push(c);
  c.send(connectPacket(id, v, extra));
  const ack = (await c.next('connack')) as mqtt.IConnackPacket;
  expect(v === 5 ? ack.reasonCode : ack.returnCode).toBe(0);
  return c;
}

async function disconnectReason(c: RawClient): Promise<number | undefined> {
  const d = (await c.next('disconnect')) as mqtt.IDisconnectPacket;
  await c.closed;
  return d.reasonCode;
}

describe('connection rules', () => {
  it('closes a connection whose first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
    const c = rawClient(tb.server);
    c.send({ cmd: 'pingreq' });
    await c.closed;
  });

  it('answers an unknown protocol level with CONNACK 0x01 and closes [MQTT-3.1.2-2]', async () => {
    const c = rawClient(tb.server, 4);
    const bytes = mqtt.generate(connectPacket('x', 4), { protocolVersion: 4 });
    bytes[8] = 9; // protocol level byte
    c.send(bytes);
    const ack = (await c.next('connack')) as mqtt.IConnackPacket;
    expect(ack.returnCode).toBe(1);
    await c.closed;
  });

  it('rejects an empty client id with clean session 0 in 3.1.1 (0x02) [MQTT-3.1.3-8]', async () => {
    const c = rawClient(tb.server, 4);
    c.send(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 0, 0, 0])); // clean session 0, empty id
    expect(((await c.next('connack')) as mqtt.IConnackPacket).returnCode).toBe(2);
    await c.closed;
  });

  it('a second CONNECT is a protocol error (0x82) [MQTT-3.1.0-2]', async () => {
    const c = await open('twice');
    c.send(connectPacket('twice'));
    expect(await disconnectReason(c)).toBe(0x82);
  });

  it('oversized packets get 0x95 [MQTT-3.2.2-15]', async () => {
    const c = await open('big');
    c.send({ cmd: 'publish', topic: 't', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false });
    expect(await disconnectReason(c)).toBe(0x95);
  });

  it('a wildcard in a PUBLISH topic gets 0x90 [MQTT-3.3.2-2]', async () => {
    const c = await open('wild');
    c.send({ cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect(await disconnectReason(c)).toBe(0x90);
  });

  it('a topic alias above the maximum gets 0x94; an unknown alias 0x82', async () => {
    const c = await open('alias');
    c.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 5 } });
    expect(await disconnectReason(c)).toBe(0x94);
    const d = await open('alias2');
    d.send({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } });
    expect(await disconnectReason(d)).toBe(0x82);
  });

  it('more unacknowledged QoS 2 publishes than Receive Maximum gets 0x93 [MQTT-3.3.4-7]', async () => {
    const c = await open('flood');
    for (let i = 1; i <= 4; i++) c.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 2, messageId: i, retain: false, dup: false });
    expect(await disconnectReason(c)).toBe(0x93);
  });

  it('keep-alive: no packet for 1.5 × keep-alive closes with 0x8D [MQTT-3.1.2-22]', async () => {
    const c = await open('sleepy', 5, { keepalive: 1 });
    const d = (await c.next('disconnect', 6000)) as mqtt.IDisconnectPacket;
    expect(d.reasonCode).toBe(0x8d);
  }, 10_000);

  it('a malformed SUBSCRIBE (reserved flags) gets 0x81 and the broker keeps serving others', async () => {
    const bad = await open('bad');
    const good = await open('good');
    bad.send(Buffer.from([0x80, 0x02, 0x00, 0x01])); // SUBSCRIBE must have flags 0x2 [MQTT-3.8.1-1]
    expect(await disconnectReason(bad)).toBe(0x81);
    good.send({ cmd: 'pingreq' });
    await good.next('pingresp');
  });
});

describe('QoS 2 flow', () => {
  it('routes once for a duplicate PUBLISH, PUBREC/PUBREL/PUBCOMP complete in both directions', async () => {
    const sub = await open('sub2');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2', qos: 2 }] });
    expect(((await sub.next('suback')) as mqtt.ISubackPacket).granted).toEqual([2]);
    const pub = await open('pub2');
    const publish = { cmd: 'publish' as const, topic: 'q2', payload: Buffer.from('once'), qos: 2 as const, messageId: 7, retain: false, dup: false };
    pub.send(publish);
    expect((await pub.next('pubrec')).messageId).toBe(7);
    pub.send({ ...publish, dup: true });
    expect((await pub.next('pubrec')).messageId).toBe(7);
    pub.send({ cmd: 'pubrel', messageId: 7 });
    expect((await pub.next('pubcomp')).messageId).toBe(7);
    const got = (await sub.next('publish')) as mqtt.IPublishPacket;
    sub.send({ cmd: 'pubrec', messageId: got.messageId });
    expect((await sub.next('pubrel')).messageId).toBe(got.messageId);
    sub.send({ cmd: 'pubcomp', messageId: got.messageId });
    await sleep(50);
    expect(sub.packets.filter((p) => p.cmd === 'publish').length).toBe(1);
    expect(tb.broker.space('default').sessions.get('sub2')!.inflight.size).toBe(0);
  });

  it('unacknowledged QoS 1 messages are resent with DUP after reconnect [MQTT-4.4.0-1]', async () => {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const sub = await open('redeliver', 5, opts);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r', qos: 1 }] });
    await sub.next('suback');
    const pub = await open('p');
    pub.send({ cmd: 'publish', topic: 'r', payload: Buffer.from('x'), qos: 1, messageId: 1, retain: false, dup: false });
    const first = (await sub.next('publish')) as mqtt.IPublishPacket;
    expect(first.dup).toBe(false);
    sub.end(); // no PUBACK
    await sleep(20);
    const again = rawClient(tb.server);
    clients.push(again);
    again.send(connectPacket('redeliver', 5, opts));
    expect(((await again.next('connack')) as mqtt.IConnackPacket).sessionPresent).toBe(true);
    const second = (await again.next('publish')) as mqtt.IPublishPacket;
    expect(second.dup).toBe(true);
    expect(second.messageId).toBe(first.messageId);
  });
});

describe('framing', () => {
  it('parses a session fed one byte at a time', async () => {
    const c = rawClient(tb.server, 4);
    clients.push(c);
    const bytes = Buffer.concat([
      mqtt.generate(connectPacket('bytes', 4), { protocolVersion: 4 }),
      mqtt.generate({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'b/#', qos: 1 }] }, { protocolVersion: 4 }),
      mqtt.generate({ cmd: 'publish', topic: 'b/1', payload: Buffer.from('hello'), qos: 1, messageId: 4, retain: false, dup: false }, { protocolVersion: 4 }),
    ]);
    for (const b of bytes) {
      c.send(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    await c.next('puback');
    const cmds = c.packets.map((p) => p.cmd);
    expect(cmds).toContain('suback');
    expect((c.packets.find((p) => p.cmd === 'publish') as mqtt.IPublishPacket).payload.toString()).toBe('hello');
  });
});
