/**
 * Encoding of outgoing PUBLISH packets. For MQTT 3.1/3.1.1 the bytes of one message are the same for
 * every subscriber except the packet id and the DUP bit, so they are encoded once per (version, QoS,
 * RETAIN) and patched; MQTT 5 packets carry per-subscriber properties (topic alias, subscription
 * identifiers, remaining expiry) and are encoded per delivery.
 */
import mqtt from 'mqtt-packet';
import type { Delivery } from '../../broker/mqtt/session.js';
import type { Message } from '../../broker/mqtt/types.js';

const cache = new WeakMap<Message, Map<number, { buf: Buffer; idOffset: number }>>();

function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/**
 * PUBLISH for 3.1/3.1.1 (§3.3): fixed header (type 3, DUP, QoS, RETAIN), remaining length (varint),
 * topic (u16 length + UTF-8), packet id (u16, QoS > 0 only), payload. Written by hand: it is the hot path.
 */
export function publishV4(topic: string, payload: Buffer, qos: number, retain: boolean, packetId: number): Buffer {
  const topicLen = Buffer.byteLength(topic);
  const remaining = 2 + topicLen + (qos > 0 ? 2 : 0) + payload.length;
  const vl = varintLength(remaining);
  const buf = Buffer.allocUnsafe(1 + vl + remaining);
  buf[0] = 0x30 | (qos << 1) | (retain ? 1 : 0);
  let o = 1;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[o++] = byte;
  } while (n > 0);
  buf.writeUInt16BE(topicLen, o);
  o += 2;
  o += buf.write(topic, o, 'utf8');
  if (qos > 0) {
    buf.writeUInt16BE(packetId, o);
    o += 2;
  }
  payload.copy(buf, o);
  return buf;
}

/** A v3/v4 PUBLISH, from the per-message cache. */
export function encodeV4(d: Delivery, packetId: number, dup: boolean, version: 3 | 4): Buffer {
  const m = d.message;
  const key = version * 8 + d.qos * 2 + (d.retain ? 1 : 0);
  let byKey = cache.get(m);
  let entry = byKey?.get(key);
  if (!entry) {
    const buf = publishV4(m.topic, m.payload, d.qos, d.retain, 1);
    let k = 1;
    while (k < 4 && varintLength(buf.length - 1 - k) !== k) k++;
    const idOffset = 1 + k + 2 + Buffer.byteLength(m.topic);
    entry = { buf, idOffset };
    if (!byKey) cache.set(m, (byKey = new Map()));
    byKey.set(key, entry);
  }
  if (d.qos === 0) return entry.buf;
  const out = Buffer.allocUnsafe(entry.buf.length);
  entry.buf.copy(out);
  out.writeUInt16BE(packetId, entry.idOffset);
  if (dup) out[0]! |= 0x08; // DUP on redelivery [MQTT-3.3.1-1]
  return out;
}

export interface V5Outbound {
  /** Topic → alias already announced to the client. */
  aliases: ReadonlyMap<string, number>;
  /** The client's Topic Alias Maximum [MQTT-3.2.2-17]. */
  aliasMax: number;
}

/** A v5 PUBLISH; returns the bytes and the alias it would announce (recorded by the caller once sent). */
export function encodeV5(d: Delivery, packetId: number, dup: boolean, out: V5Outbound, now: number): { buf: Buffer; newAlias?: number } {
  const m = d.message;
  const properties: Record<string, unknown> = m.properties ? { ...m.properties } : {};
  if (m.expiresAt !== undefined) properties.messageExpiryInterval = Math.max(0, Math.ceil((m.expiresAt - now) / 1000)); // [MQTT-3.3.2-6]
  if (d.subscriptionIds?.length) properties.subscriptionIdentifier = d.subscriptionIds.length === 1 ? d.subscriptionIds[0] : d.subscriptionIds;
  let topic = m.topic;
  let newAlias: number | undefined;
  if (out.aliasMax > 0) {
    const known = out.aliases.get(topic);
    if (known !== undefined) {
      properties.topicAlias = known;
      topic = '';
    } else if (out.aliases.size < out.aliasMax) {
      newAlias = out.aliases.size + 1;
      properties.topicAlias = newAlias;
    }
  }
  const packet = { cmd: 'publish' as const, topic, payload: m.payload, qos: d.qos, retain: d.retain, dup, messageId: d.qos > 0 ? packetId : undefined, properties };
  return { buf: mqtt.generate(packet as mqtt.IPublishPacket, { protocolVersion: 5 }), newAlias };
}
