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

/** A v3/v4 PUBLISH, from the per-message cache. */
export function encodeV4(d: Delivery, packetId: number, dup: boolean, version: 3 | 4): Buffer {
  const m = d.message;
  const key = version * 8 + d.qos * 2 + (d.retain ? 1 : 0);
  let byKey = cache.get(m);
  let entry = byKey?.get(key);
  if (!entry) {
    const buf = mqtt.generate({ cmd: 'publish', topic: m.topic, payload: m.payload, qos: d.qos, retain: d.retain, dup: false, messageId: d.qos > 0 ? 1 : undefined }, { protocolVersion: version });
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
  aliases: Map<string, number>;
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
