/**
 * The hot-path decoder (src/protocol/mqtt/fast-parse.ts behind createParser()) against plain mqtt-packet:
 * random streams of PUBLISH / acks / other packets, cut into random chunks, must yield the same packets in
 * the same order, and malformed input must still be reported by mqtt-packet.
 */
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/broker/mqtt/session.js';
import type { Message, MessageProperties } from '../../src/broker/mqtt/types.js';
import { decodeHot, FORWARDED_PROPERTIES } from '../../src/protocol/mqtt/fast-parse.js';
import { encodeV5, presetMessageProperties } from '../../src/protocol/mqtt/outbound.js';
import { createParser } from '../../src/protocol/mqtt/parser.js';

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

/** Plain objects with payload/correlation data as hex, so views and copies compare equal. */
function norm(p: mqtt.Packet): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v)));
}

function run(parser: mqtt.Parser, chunks: Buffer[]): { packets: unknown[]; errors: string[] } {
  const packets: unknown[] = [];
  const errors: string[] = [];
  parser.on('packet', (p: mqtt.Packet) => packets.push(norm(p)));
  parser.on('error', (e: Error) => errors.push(e.message));
  for (const c of chunks) parser.parse(c);
  return { packets, errors };
}

function parseOne(buf: Buffer): mqtt.Packet {
  const got = run(mqtt.parser({ protocolVersion: 5 }), [buf]);
  expect(got.errors).toEqual([]);
  expect(got.packets).toHaveLength(1);
  return got.packets[0] as mqtt.Packet;
}

function randomPacket(r: () => number, version: 4 | 5): mqtt.Packet {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const str = (n: number): string => Array.from({ length: Math.floor(r() * n) }, () => pick(['a', 'b', '/', 'é', '😀'])).join('');
  const kind = r();
  if (kind < 0.15) {
    const cmd = pick(['puback', 'pubrec', 'pubcomp', 'pubrel'] as const);
    const reasonCode = cmd === 'puback' || cmd === 'pubrec' ? 0x10 : 0x92;
    return { cmd, messageId: 1 + Math.floor(r() * 65535), ...(version === 5 && r() < 0.3 ? { reasonCode } : {}) } as mqtt.Packet;
  }
  if (kind < 0.2) return { cmd: 'pingreq' };
  if (kind < 0.25) return { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/+', qos: 1 }] } as mqtt.Packet;
  const qos = pick([0, 1, 2] as const);
  const properties: Record<string, unknown> = {};
  if (version === 5) {
    if (r() < 0.5) properties.contentType = str(20);
    if (r() < 0.5) properties.responseTopic = 'r/' + str(10);
    if (r() < 0.5) properties.correlationData = Buffer.from(str(16));
    if (r() < 0.3) properties.payloadFormatIndicator = r() < 0.5;
    if (r() < 0.4) properties.messageExpiryInterval = Math.floor(r() * 100000);
    if (r() < 0.2) properties.topicAlias = 1 + Math.floor(r() * 10);
    if (r() < 0.1) properties.subscriptionIdentifier = 7; // not from clients, but must still parse the same (via mqtt-packet)
    if (r() < 0.5) properties.userProperties = { a: str(5), [str(4) || 'k']: r() < 0.3 ? ['x', str(6)] : str(6) };
  }
  return { cmd: 'publish', topic: 't/' + str(30), payload: Buffer.from(str(r() < 0.05 ? 400 : 40)), qos, retain: r() < 0.3, dup: qos > 0 && r() < 0.2, messageId: qos ? 1 + Math.floor(r() * 65535) : undefined, properties } as mqtt.Packet;
}

describe('hot-path decoder', () => {
  for (const version of [4, 5] as const) {
    it(`yields exactly mqtt-packet's packets for random v${version} streams cut at random points`, () => {
      const r = rng(version * 1000 + 7);
      for (let round = 0; round < 200; round++) {
        const stream = Buffer.concat(Array.from({ length: 1 + Math.floor(r() * 20) }, () => mqtt.generate(randomPacket(r, version), { protocolVersion: version })));
        const chunks: Buffer[] = [];
        for (let o = 0; o < stream.length; ) {
          const n = r() < 0.5 ? stream.length - o : 1 + Math.floor(r() * 60);
          chunks.push(stream.subarray(o, o + n));
          o += n;
        }
        const reference = mqtt.parser({ protocolVersion: version });
        const fast = createParser();
        (fast as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
        const want = run(reference, chunks);
        const got = run(fast, chunks);
        expect(want.errors).toEqual([]);
        expect(got.errors).toEqual([]);
        expect(got.packets, `round ${round}`).toEqual(want.packets);
      }
    });
  }

  it('decodes the agent request shape itself (not through the fallback)', () => {
    const buf = mqtt.generate(
      { cmd: 'publish', topic: 'skills/echo/requests', payload: Buffer.from('{}'), qos: 1, messageId: 9, retain: false, dup: false, properties: { responseTopic: 'agents/a/replies', correlationData: Buffer.from('abc'), contentType: 'application/json', messageExpiryInterval: 30, userProperties: { 'agent-from': 'a' } } },
      { protocolVersion: 5 },
    );
    const d = decodeHot(buf, 0, 5);
    expect(d?.size).toBe(buf.length);
    expect(d?.packet).toMatchObject({ cmd: 'publish', topic: 'skills/echo/requests', messageId: 9, properties: { responseTopic: 'agents/a/replies', contentType: 'application/json', messageExpiryInterval: 30 } });
    expect(decodeHot(Buffer.from([0x40, 2, 0, 5]), 0, 5)?.packet).toMatchObject({ cmd: 'puback', messageId: 5, reasonCode: 0 });
    expect(decodeHot(buf.subarray(0, buf.length - 1), 0, 5)).toBeUndefined(); // incomplete: left to mqtt-packet
  });

  it('keeps the forwarded properties as sent; a delivery encoded from them parses to what encoding them anew gives', () => {
    const r = rng(4242);
    const forwardedKeys = ['payloadFormatIndicator', 'contentType', 'responseTopic', 'correlationData', 'userProperties'] as const;
    let checked = 0;
    for (let round = 0; round < 3000; round++) {
      const sent = randomPacket(r, 5);
      if (sent.cmd !== 'publish') continue;
      const d = decodeHot(mqtt.generate(sent, { protocolVersion: 5 }), 0, 5);
      if (!d) continue; // left to mqtt-packet (subscription identifier): nothing is preset
      const p = d.packet as mqtt.IPublishPacket & { [FORWARDED_PROPERTIES]?: Buffer };
      const forwarded = p[FORWARDED_PROPERTIES];
      if (!p.properties) {
        expect(forwarded).toBeUndefined();
        continue;
      }
      const properties: MessageProperties = {};
      for (const k of forwardedKeys) if (p.properties[k] !== undefined) (properties as Record<string, unknown>)[k] = p.properties[k];
      const message = (): Message => ({ topic: p.topic, payload: p.payload as Buffer, qos: 1, retain: false, properties, expiresAt: p.properties?.messageExpiryInterval ? 1_000_000 + 5000 : undefined });
      const preset = message();
      presetMessageProperties(preset, forwarded!);
      const delivery = (m: Message): Delivery => ({ message: m, qos: 1, retain: false }) as Delivery;
      const out = { aliases: new Map<string, number>(), aliasMax: 0 };
      const got = encodeV5(delivery(preset), 7, false, out, 1_000_000).buf;
      const want = encodeV5(delivery(message()), 7, false, out, 1_000_000).buf;
      expect(got.length).toBe(want.length);
      expect(norm(parseOne(got))).toEqual(norm(parseOne(want)));
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('leaves ill-formed UTF-8 in a property to mqtt-packet, so it is never forwarded as sent', () => {
    const good = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { contentType: 'ab' } }, { protocolVersion: 5 });
    expect(decodeHot(good, 0, 5)).toBeDefined();
    const bad = Buffer.from(good);
    bad[bad.indexOf('ab')] = 0xff;
    expect(decodeHot(bad, 0, 5)).toBeUndefined();
    const format2 = mqtt.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { payloadFormatIndicator: true } }, { protocolVersion: 5 });
    format2[format2.indexOf(0x01, 5) + 1] = 2; // Payload Format Indicator 2 is not a valid value
    expect(decodeHot(format2, 0, 5)).toBeUndefined();
  });

  it('leaves malformed packets to mqtt-packet, which reports them', () => {
    const fast = createParser();
    (fast as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = 5;
    const good = Buffer.from([0x40, 2, 0, 1]);
    const qos3 = Buffer.from([0x36, 4, 0, 1, 0x61, 0]);
    const got = run(fast, [Buffer.concat([good, qos3])]);
    expect(got.packets).toHaveLength(1);
    expect(got.errors).toEqual(['Packet must not have both QoS bits set to 1']);
  });
});
