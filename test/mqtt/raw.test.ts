/** Exact-bytes session flows over in-memory streams: protocol errors, reason codes, QoS 2, splitting. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt-packet';
import { MemoryPersistence } from '../../src/broker/mqtt/persistence.js';
import { startBroker, sleep, type TestBroker } from './helpers.js';
import { connectPacket, duplexPair, rawClient, type RawClient } from './raw.js';

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

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
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

  it('a resent window larger than the new Receive Maximum goes out as acknowledgements make room, same ids, in order [MQTT-3.3.4-9]', async () => {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const sub = await open('window', 5, opts);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'w', qos: 1 }] });
    await sub.next('suback');
    const pub = await open('wp');
    for (let i = 0; i < 5; i++) {
      // one at a time: this broker's Receive Maximum is 3, and a persistent subscriber's copy is acknowledged once durable
      pub.send({ cmd: 'publish', topic: 'w', payload: Buffer.from(`m${i}`), qos: 1, messageId: 10 + i, retain: false, dup: false });
      await pub.next('puback');
    }
    await waitFor(() => sub.packets.filter((p) => p.cmd === 'publish').length === 5);
    const sent = sub.packets.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish').map((p) => p.messageId);
    sub.end(); // none acknowledged
    await sleep(20);
    const again = rawClient(tb.server);
    clients.push(again);
    again.send(connectPacket('window', 5, { ...opts, properties: { ...opts.properties, receiveMaximum: 2 } }));
    await again.next('connack');
    const resent = (): mqtt.IPublishPacket[] => again.packets.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish');
    await waitFor(() => resent().length === 2);
    await sleep(50);
    expect(resent()).toHaveLength(2); // not all 5 at once
    for (let acked = 0; acked < 5; acked++) {
      again.send({ cmd: 'puback', messageId: resent()[acked]!.messageId, reasonCode: 0 } as mqtt.Packet);
      await waitFor(() => resent().length === Math.min(5, acked + 3));
      await sleep(10);
      expect(resent()).toHaveLength(Math.min(5, acked + 3));
    }
    expect(resent().map((p) => p.messageId)).toEqual(sent);
    expect(resent().map((p) => String(p.payload))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(resent().every((p) => p.dup)).toBe(true);
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

describe('before CONNACK', () => {
  it('reads nothing past CONNECT while authentication runs, then serves what was queued', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await startBroker({ server: { authenticator: { authenticate: async () => (await gate, { ok: true, namespace: 'default' }) } } });
    try {
      const [client, serverSide] = duplexPair();
      slow.server.handle(serverSide, { address: '127.0.0.1' });
      const got: string[] = [];
      const parser = mqtt.parser({ protocolVersion: 5 });
      parser.on('packet', (p) => got.push(p.cmd));
      client.on('data', (b: Buffer) => parser.parse(b));
      client.write(mqtt.generate(connectPacket('slow-auth', 5), { protocolVersion: 5 }));
      await sleep(20);
      // an unauthenticated client cannot make the server buffer parsed packets without limit
      expect(serverSide.readableFlowing).toBe(false);
      client.write(mqtt.generate({ cmd: 'pingreq' }, { protocolVersion: 5 }));
      await sleep(20);
      expect(got).toEqual([]);
      release();
      for (let i = 0; i < 100 && got.length < 2; i++) await sleep(10);
      expect(got).toEqual(['connack', 'pingresp']);
      expect(serverSide.readableFlowing).toBe(true);
      client.destroy();
    } finally {
      await slow.close();
    }
  });
});

describe('QoS 2 across a lost connection', () => {
  it('a PUBLISH made durable after its connection died is not routed again when the client resends it [MQTT-4.3.3-10]', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const persistence = new MemoryPersistence();
    const put = persistence.putRetained.bind(persistence);
    persistence.putRetained = async (ns, m) => {
      await gate;
      return put(ns, m);
    };
    const slow = await startBroker({ persistence });
    const raws: RawClient[] = [];
    try {
      const sub = rawClient(slow.server, 5);
      raws.push(sub);
      sub.send(connectPacket('q2-sub', 5));
      await sub.next('connack');
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2/#', qos: 0 }] });
      await sub.next('suback');
      const persistent = { clean: false, properties: { sessionExpiryInterval: 600 } };
      const pub = rawClient(slow.server, 5);
      raws.push(pub);
      pub.send(connectPacket('q2-pub', 5, persistent));
      await pub.next('connack');
      const publish = { cmd: 'publish' as const, topic: 'q2/a', payload: Buffer.from('once'), qos: 2 as const, messageId: 7, retain: true, dup: false };
      pub.send(publish);
      await sleep(20);
      pub.end(); // lost before PUBREC
      await pub.closed;
      await sleep(20);
      release();
      await sleep(50);
      const again = rawClient(slow.server, 5);
      raws.push(again);
      again.send(connectPacket('q2-pub', 5, persistent));
      expect(((await again.next('connack')) as mqtt.IConnackPacket).sessionPresent).toBe(true);
      again.send({ ...publish, dup: true });
      expect(((await again.next('pubrec')) as mqtt.IPubrecPacket).messageId).toBe(7);
      await sleep(50);
      expect(sub.packets.filter((p) => p.cmd === 'publish')).toHaveLength(1);
    } finally {
      for (const r of raws) r.end();
      await slow.close();
    }
  });
});

describe('store failures', () => {
  it('a session save failing after a delayed will is logged, not an unhandled rejection', async () => {
    const persistence = new MemoryPersistence();
    const tb2 = await startBroker({ persistence });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const c = rawClient(tb2.server, 5);
      const will = { topic: 'w/t', payload: Buffer.from('bye'), qos: 0 as const, retain: false, properties: { willDelayInterval: 1 } };
      c.send(connectPacket('will-save', 5, { clean: false, properties: { sessionExpiryInterval: 600 }, will }));
      await c.next('connack');
      persistence.saveSession = async () => {
        throw new Error('store down');
      };
      c.end();
      await c.closed;
      await sleep(1300);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await tb2.close();
    }
  });
});

describe('hot packets cut by chunk boundaries', () => {
  for (const v of [4, 5] as const) {
    it(`v${v}: PUBLISHes and PUBACKs cut at random points arrive whole and in order`, async () => {
      let seed = v * 7919;
      const r = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const sub = await open(`cut-sub-${v}`, v);
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `cut${v}/#`, qos: 1 }] });
      await sub.next('suback');
      const pub = await open(`cut-pub-${v}`, v);
      const n = 300;
      const stream = Buffer.concat(
        Array.from({ length: n }, (_, i) =>
          mqtt.generate(
            {
              cmd: 'publish',
              topic: `cut${v}/${i % 7}`,
              payload: Buffer.from(`p${i}:` + 'x'.repeat(Math.floor(r() * 300))),
              qos: (i % 2) as 0 | 1,
              messageId: i % 2 ? 1 + i : undefined,
              retain: false,
              dup: false,
              ...(v === 5 ? { properties: { contentType: 'text/plain', userProperties: { n: String(i) } } } : {}),
            } as mqtt.IPublishPacket,
            { protocolVersion: v },
          ),
        ),
      );
      for (let o = 0; o < stream.length; ) {
        const size = r() < 0.2 ? 1 + Math.floor(r() * 4) : 1 + Math.floor(r() * 400); // sometimes inside the fixed header
        pub.send(stream.subarray(o, o + size));
        o += size;
        if (r() < 0.3) await sleep(0);
      }
      const got = (): mqtt.IPublishPacket[] => sub.packets.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish');
      await waitFor(() => got().length === n && pub.packets.filter((p) => p.cmd === 'puback').length === n / 2);
      expect(got().map((p) => String(p.payload).split(':')[0])).toEqual(Array.from({ length: n }, (_, i) => `p${i}`));
      if (v === 5) expect(got().map((p) => p.properties?.userProperties?.n)).toEqual(Array.from({ length: n }, (_, i) => String(i)));
      expect(pub.isClosed()).toBe(false);
    });
  }

  it('a split PUBLISH longer than the maximum packet size is refused as before (0x95)', async () => {
    const c = await open('cut-big', 5);
    const big = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false }, { protocolVersion: 5 });
    c.send(big.subarray(0, 2)); // only part of the length: kept as a split packet
    await sleep(10);
    c.send(big.subarray(2, 100)); // the length is now known, and too large
    expect(await disconnectReason(c)).toBe(0x95);
  });
});

describe('an open connection keeps no parser between packets', () => {
  const parserOf = (): unknown => (([...tb.server.connections][0] as unknown as { parser?: unknown }).parser);

  it('drops it after CONNACK, keeps a split PUBLISH without one, rebuilds it for a split non-hot packet, and drops it again', async () => {
    const c = await open('lean', 5);
    const sub = rawClient(tb.server, 5);
    clients.push(sub);
    sub.send(connectPacket('lean-sub', 5));
    await sub.next('connack');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lean/#', qos: 1 }] });
    await sub.next('suback');
    expect(tb.server.connections.size).toBe(2);
    expect(parserOf()).toBeUndefined(); // the first connection is 'lean': idle after CONNACK
    // nor does its session hold any collection yet (subscriptions, queue, in-flight window, QoS 2 ids)
    const session = [...tb.server.connections][0]!.session as unknown as Record<string, unknown>;
    expect([session.subs, session.queued, session.flights, session.qos2]).toEqual([undefined, undefined, undefined, undefined]);
    // a PUBLISH split across two writes: its first bytes are kept, no parser is built
    const pub = mqtt.generate({ cmd: 'publish', topic: 'lean/a', payload: Buffer.from('split across chunks'), qos: 1, messageId: 7, retain: false, dup: false }, { protocolVersion: 5 });
    const splitOf = (): unknown => (([...tb.server.connections][0] as unknown as { split?: Buffer }).split);
    c.send(pub.subarray(0, 5));
    await sleep(20);
    expect(parserOf()).toBeUndefined();
    expect(splitOf()).toEqual(pub.subarray(0, 5));
    c.send(pub.subarray(5));
    expect(((await c.next('puback')) as mqtt.IPubackPacket).messageId).toBe(7);
    expect(((await sub.next('publish')) as mqtt.IPublishPacket).payload.toString()).toBe('split across chunks');
    expect(parserOf()).toBeUndefined();
    expect(splitOf()).toBeUndefined();
    // a split SUBSCRIBE (not a hot packet): the partial packet goes to a (new) parser
    const subscribe = mqtt.generate({ cmd: 'subscribe', messageId: 9, subscriptions: [{ topic: 'y/+', qos: 0 }] }, { protocolVersion: 5 });
    c.send(subscribe.subarray(0, 4));
    await sleep(20);
    expect(parserOf()).toBeDefined();
    c.send(subscribe.subarray(4));
    expect(((await c.next('suback')) as mqtt.ISubackPacket).messageId).toBe(9);
    expect(parserOf()).toBeUndefined();
    // packets the hot-path decoder does not take (PINGREQ, SUBSCRIBE) still work, and leave no parser
    c.send({ cmd: 'pingreq' });
    await c.next('pingresp');
    c.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'x/+', qos: 0 }], properties: { subscriptionIdentifier: 3 } });
    await c.next('suback');
    expect(parserOf()).toBeUndefined();
    // a v5 property on a rebuilt parser: the protocol version survived the rebuild
    c.send({ cmd: 'publish', topic: 'lean/b', payload: Buffer.from('v5'), qos: 0, retain: false, dup: false, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    const got = (await sub.next('publish')) as mqtt.IPublishPacket;
    expect(got.properties?.contentType).toBe('text/plain');
    expect(got.properties?.userProperties).toEqual({ k: 'v' });
  });
});

describe('outbound topic aliases', () => {
  it('reuses the least recently used alias once all the client allows are taken, never more than its maximum [MQTT-3.3.2-12]', async () => {
    const sub = await open('alias-sub', 5, { properties: { topicAliasMaximum: 2 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'al/#', qos: 0 }] });
    await sub.next('suback');
    const pub = await open('alias-pub', 5);
    // the receiver's side of the protocol: alias → topic, updated by every PUBLISH with a topic and an alias
    const table = new Map<number, string>();
    const seen: Array<{ topic: string; alias?: number; resolved: string }> = [];
    const order = ['al/a', 'al/b', 'al/a', 'al/c', 'al/a', 'al/b', 'al/c', 'al/c', 'al/d', 'al/a'];
    for (const [i, t] of order.entries()) {
      pub.send({ cmd: 'publish', topic: t, payload: Buffer.from(String(i)), qos: 0, retain: false, dup: false });
      const p = (await sub.next('publish')) as mqtt.IPublishPacket;
      const alias = p.properties?.topicAlias;
      if (alias !== undefined && p.topic !== '') table.set(alias, p.topic);
      const resolved = p.topic !== '' ? p.topic : table.get(alias!)!;
      seen.push({ topic: p.topic, alias, resolved });
      expect(p.payload.toString()).toBe(String(i));
    }
    expect(seen.map((s) => s.resolved)).toEqual(order);
    expect(seen.every((s) => s.alias !== undefined && s.alias >= 1 && s.alias <= 2)).toBe(true);
    // al/a (1), al/b (2) announced; al/a reused by alias; al/c takes over b's alias (least recently used)...
    expect(seen.map((s) => (s.topic === '' ? `=${s.alias}` : `${s.topic}@${s.alias}`))).toEqual(['al/a@1', 'al/b@2', '=1', 'al/c@2', '=1', 'al/b@2', 'al/c@1', '=1', 'al/d@2', 'al/a@1']);
  });
});
