/**
 * The hand-written MQTT 5 PUBLISH encoder (src/protocol/mqtt/outbound.ts) against mqtt-packet's generic
 * generator: the same bytes for every combination of properties, QoS, DUP, RETAIN, aliases, expiry and
 * subscription identifiers, and packets that mqtt-packet's parser reads back unchanged.
 */
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/broker/mqtt/session.js';
import type { Message, MessageProperties } from '../../src/broker/mqtt/types.js';
import { encodeV4, encodeV5, type V5Outbound } from '../../src/protocol/mqtt/outbound.js';

/** What encodeV5 replaced: mqtt-packet's generate with the same property object. */
function reference(d: Delivery, packetId: number, dup: boolean, out: V5Outbound, now: number): Buffer {
  const m = d.message;
  const properties: Record<string, unknown> = m.properties ? { ...m.properties } : {};
  if (m.expiresAt !== undefined) properties.messageExpiryInterval = Math.max(0, Math.ceil((m.expiresAt - now) / 1000));
  if (d.subscriptionIds?.length) properties.subscriptionIdentifier = d.subscriptionIds.length === 1 ? d.subscriptionIds[0] : d.subscriptionIds;
  let topic = m.topic;
  if (out.aliasMax > 0) {
    const known = out.aliases.get(topic);
    if (known !== undefined) {
      properties.topicAlias = known;
      topic = '';
    } else if (out.aliases.size < out.aliasMax) properties.topicAlias = out.aliases.size + 1;
    else properties.topicAlias = out.aliases.get(out.aliases.keys().next().value as string); // least recently used, reused
  }
  return mqtt.generate({ cmd: 'publish', topic, payload: m.payload, qos: d.qos, retain: d.retain, dup, messageId: d.qos > 0 ? packetId : undefined, properties } as mqtt.IPublishPacket, { protocolVersion: 5 });
}

function parse(buf: Buffer): mqtt.IPublishPacket {
  const parser = mqtt.parser({ protocolVersion: 5 });
  const got: mqtt.Packet[] = [];
  parser.on('packet', (p) => got.push(p));
  parser.on('error', (err) => {
    throw err;
  });
  parser.parse(buf);
  expect(got).toHaveLength(1);
  return got[0] as mqtt.IPublishPacket;
}

/** A small deterministic PRNG, so a failure is reproducible. */
function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('encodeV5', () => {
  it('writes the agent request shape exactly as mqtt-packet does, and it parses back', () => {
    const now = Date.now();
    const message: Message = {
      topic: 'skills/echo/requests',
      payload: Buffer.from('{"i":1,"d":"xx"}'),
      qos: 1,
      retain: false,
      properties: { contentType: 'application/json', responseTopic: 'agents/r/replies', correlationData: Buffer.from('0123456789abcdef'), userProperties: { 'agent-from': 'r', 'agent-deadline': '123', 'agent-skill': 'echo' } },
      expiresAt: now + 30_000,
    };
    const d: Delivery = { message, qos: 1, retain: false };
    const out: V5Outbound = { aliases: new Map(), aliasMax: 0 };
    const { buf, newAlias } = encodeV5(d, 4711, false, out, now);
    expect(newAlias).toBeUndefined();
    expect(buf.equals(reference(d, 4711, false, out, now))).toBe(true);
    const p = parse(buf);
    expect(p).toMatchObject({ topic: 'skills/echo/requests', qos: 1, messageId: 4711, retain: false, dup: false });
    expect(p.payload.toString()).toBe('{"i":1,"d":"xx"}');
    expect(p.properties).toMatchObject({ contentType: 'application/json', responseTopic: 'agents/r/replies', messageExpiryInterval: 30, userProperties: { 'agent-from': 'r', 'agent-deadline': '123', 'agent-skill': 'echo' } });
    expect(Buffer.from(p.properties!.correlationData!).toString()).toBe('0123456789abcdef');
    // a second delivery of the same message (cached properties) is the same bytes with its own packet id
    const again = encodeV5(d, 9, true, out, now).buf;
    expect(again.equals(reference(d, 9, true, out, now))).toBe(true);
  });

  it('omits an empty user property object (mqtt-packet would produce no packet at all)', () => {
    const message: Message = { topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false, properties: { userProperties: {}, contentType: 'text/plain' } };
    const p = parse(encodeV5({ message, qos: 1, retain: false }, 7, false, { aliases: new Map(), aliasMax: 0 }, Date.now()).buf);
    expect(p.properties).toEqual({ contentType: 'text/plain' });
  });

  it('matches mqtt-packet for 2,000 random deliveries', () => {
    const r = rng(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const str = (n: number): string => Array.from({ length: Math.floor(r() * n) }, () => pick(['a', 'b', '/', 'é', '€', '😀', 'z'])).join('');
    for (let i = 0; i < 2000; i++) {
      const props: MessageProperties = {};
      // random subsets in random key order
      for (const k of ['payloadFormatIndicator', 'contentType', 'responseTopic', 'correlationData', 'userProperties'].sort(() => r() - 0.5)) {
        if (r() < 0.5) continue;
        if (k === 'payloadFormatIndicator') props.payloadFormatIndicator = r() < 0.5;
        if (k === 'contentType') props.contentType = str(30);
        if (k === 'responseTopic') props.responseTopic = 'a/' + str(20);
        if (k === 'correlationData') props.correlationData = Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
        if (k === 'userProperties') {
          const up: Record<string, string | string[]> = {};
          for (let j = 1 + Math.floor(r() * 3); j > 0; j--) up[str(8) || 'k'] = r() < 0.3 ? [str(10), str(10)] : str(10);
          props.userProperties = up;
        }
      }
      const now = 1_700_000_000_000;
      const message: Message = {
        topic: 't/' + str(40),
        payload: Buffer.from(str(r() < 0.1 ? 300 : 30)),
        qos: pick([0, 1, 2] as const),
        retain: r() < 0.5,
        properties: r() < 0.15 ? undefined : props,
        expiresAt: r() < 0.5 ? now + Math.floor(r() * 100_000) - 20_000 : undefined,
      };
      const d: Delivery = { message, qos: message.qos, retain: r() < 0.5, subscriptionIds: r() < 0.4 ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => 1 + Math.floor(r() * 300_000)) : undefined };
      const aliases = new Map<string, number>();
      if (r() < 0.3) aliases.set(message.topic, 1 + Math.floor(r() * 5));
      for (let j = Math.floor(r() * 3); j > 0; j--) aliases.set(`other/${j}`, aliases.size + 1);
      const out: V5Outbound = { aliases, aliasMax: pick([0, 0, 2, 10]) };
      const id = 1 + Math.floor(r() * 65535);
      const dup = d.qos > 0 && r() < 0.3;
      const mine = encodeV5(d, id, dup, out, now).buf;
      const ref = reference(d, id, dup, out, now);
      expect(mine.toString('hex'), `case ${i}`).toBe(ref.toString('hex'));
      parse(mine);
    }
  });
});

describe('encodeV4 (per-message cache)', () => {
  it('every delivery of a message matches mqtt-packet, and a buffer already handed out never changes', () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const message: Message = { topic: `t/${i}/${'x'.repeat(Math.floor(r() * 200))}`, payload: Buffer.from('p'.repeat(Math.floor(r() * 300))), qos: 2, retain: false };
      const handed: Array<{ buf: Buffer; hex: string }> = [];
      // several deliveries of one message: different versions, QoS, RETAIN, packet ids and DUP flags
      for (let j = 0; j < 6; j++) {
        const version = r() < 0.3 ? 3 : 4;
        const qos = [0, 1, 2][Math.floor(r() * 3)] as 0 | 1 | 2;
        const retain = r() < 0.3;
        const id = 1 + Math.floor(r() * 65535);
        const dup = qos > 0 && r() < 0.4;
        const d: Delivery = { message, qos, retain };
        const mine = encodeV4(d, id, dup, version);
        const ref = mqtt.generate({ cmd: 'publish', topic: message.topic, payload: message.payload, qos, retain, dup, messageId: qos > 0 ? id : undefined } as mqtt.IPublishPacket, { protocolVersion: version });
        expect(mine.toString('hex'), `case ${i}.${j}`).toBe(ref.toString('hex'));
        handed.push({ buf: mine, hex: mine.toString('hex') });
      }
      for (const h of handed) expect(h.buf.toString('hex')).toBe(h.hex);
      // a copy with another topic (spread keeps the cached entry) is encoded for its own topic
      const moved: Message = { ...message, topic: 'moved/elsewhere' };
      const again = encodeV4({ message: moved, qos: 1, retain: false }, 9, false, 4);
      expect(again.toString('hex')).toBe(mqtt.generate({ cmd: 'publish', topic: 'moved/elsewhere', payload: message.payload, qos: 1, retain: false, dup: false, messageId: 9 } as mqtt.IPublishPacket, { protocolVersion: 4 }).toString('hex'));
    }
  });
});

describe('encodeV5 (per-message properties cache)', () => {
  it('a spread copy with other properties is encoded with its own properties', () => {
    const out: V5Outbound = { aliases: new Map(), aliasMax: 0 };
    const message: Message = { topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false, properties: { contentType: 'text/plain' } };
    const first = encodeV5({ message, qos: 1, retain: false }, 1, false, out, 0).buf;
    expect(first.toString('hex')).toBe(reference({ message, qos: 1, retain: false }, 1, false, out, 0).toString('hex'));
    const copy: Message = { ...message, properties: { contentType: 'application/json', responseTopic: 'r/1' } };
    const second = encodeV5({ message: copy, qos: 1, retain: false }, 2, false, out, 0).buf;
    expect(second.toString('hex')).toBe(reference({ message: copy, qos: 1, retain: false }, 2, false, out, 0).toString('hex'));
  });
});
