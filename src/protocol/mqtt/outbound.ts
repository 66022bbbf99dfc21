/**
 * Encoding of outgoing PUBLISH packets. For MQTT 3.1/3.1.1 the bytes of one message are the same for
 * every subscriber except the packet id and the DUP bit, so they are encoded once per (version, QoS,
 * RETAIN) and patched; MQTT 5 packets carry per-subscriber properties (topic alias, subscription
 * identifiers, remaining expiry) and are encoded per delivery around the message's own properties, which
 * are encoded once per message.
 */
import type { Delivery } from '../../broker/mqtt/session.js';
import type { Message } from '../../broker/mqtt/types.js';

/**
 * Encodings cached on the message itself, under symbols (a WeakMap entry per routed message made GC
 * expensive: ephemerons). One entry per kind: nearly every message goes out with one (version, QoS, RETAIN).
 * An entry is used only while the message still has the topic, payload and properties it was built from,
 * so a copy of a message made with spread (which copies symbol properties too) never reuses stale bytes.
 */
const V4 = Symbol('strata.mqtt.v4');
const V5_PROPS = Symbol('strata.mqtt.v5props');
interface V4Entry {
  key: number;
  topic: string;
  payload: Buffer;
  buf: Buffer;
  idOffset: number;
}
type Cached = Message & { [V4]?: V4Entry; [V5_PROPS]?: { properties: Message['properties']; buf: Buffer } };

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
  let o = writeVarint(buf, 1, remaining);
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

/**
 * A v3/v4 PUBLISH, from the per-message cache. The first delivery of a kind sends the cached bytes
 * themselves (a fan-in message, delivered once, costs one buffer); later ones copy them and patch the
 * packet id and the DUP bit.
 */
export function encodeV4(d: Delivery, packetId: number, dup: boolean, version: 3 | 4): Buffer {
  const m = d.message as Cached;
  const key = version * 8 + d.qos * 2 + (d.retain ? 1 : 0);
  const e = m[V4];
  if (!e || e.key !== key || e.topic !== m.topic || e.payload !== m.payload) {
    const buf = publishV4(m.topic, m.payload, d.qos, d.retain, packetId);
    let k = 1;
    while (k < 4 && varintLength(buf.length - 1 - k) !== k) k++;
    m[V4] = { key, topic: m.topic, payload: m.payload, buf, idOffset: 1 + k + 2 + Buffer.byteLength(m.topic) };
    if (dup && d.qos > 0) buf[0]! |= 0x08; // DUP on redelivery [MQTT-3.3.1-1]
    return buf;
  }
  if (d.qos === 0) return e.buf;
  const out = Buffer.allocUnsafe(e.buf.length);
  e.buf.copy(out);
  out.writeUInt16BE(packetId, e.idOffset);
  out[0] = dup ? out[0]! | 0x08 : out[0]! & ~0x08; // the cached bytes may carry another delivery's DUP
  return out;
}

export interface V5Outbound {
  /** Topic → alias already announced to the client. */
  aliases: ReadonlyMap<string, number>;
  /** The client's Topic Alias Maximum [MQTT-3.2.2-17]. */
  aliasMax: number;
}

/** Property identifiers (MQTT 5.0 §2.2.2.2). */
const PROP = { payloadFormatIndicator: 0x01, messageExpiryInterval: 0x02, contentType: 0x03, responseTopic: 0x08, correlationData: 0x09, subscriptionIdentifier: 0x0b, topicAlias: 0x23, userProperty: 0x26 } as const;
const NO_PROPS = Buffer.alloc(0);

function writeVarint(buf: Buffer, o: number, n: number): number {
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[o++] = byte;
  } while (n > 0);
  return o;
}

/** u16 length + UTF-8; short ASCII strings (topics, property names) are copied in JS, no native call. */
function writeString(buf: Buffer, o: number, s: string): number {
  const len = s.length;
  if (len < 64) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[o + 2 + i] = c;
    }
    if (i === len) {
      buf[o] = len >> 8;
      buf[o + 1] = len & 0xff;
      return o + 2 + len;
    }
  }
  const n = buf.write(s, o + 2, 'utf8');
  buf.writeUInt16BE(n, o);
  return o + 2 + n;
}

/** Calls `f` for each value of a user property (a string or, for a repeated name, an array). */
function eachValue(v: unknown, f: (s: string) => void): void {
  if (Array.isArray(v)) for (const one of v) f(String(one));
  else f(String(v));
}

/**
 * Gives a message the wire bytes of its forwarded properties as its client sent them (fast-parse.ts
 * FORWARDED_PROPERTIES), so messageProperties need not encode them; they stay in use only while
 * `m.properties` is the same object.
 */
export function presetMessageProperties(m: Message, forwarded: Buffer): void {
  (m as Cached)[V5_PROPS] = { properties: m.properties, buf: forwarded };
}

/**
 * Payload Format Indicator, Content Type, Response Topic, Correlation Data and User Properties, in the
 * order of the properties object (as mqtt-packet writes them) [MQTT-3.3.2-4, MQTT-3.3.2-20, MQTT-3.3.2-17].
 */
function messageProperties(m: Message): Buffer {
  const c = (m as Cached)[V5_PROPS];
  if (c && c.properties === m.properties) return c.buf;
  let b: Buffer;
  const p = m.properties;
  // an upper bound (UTF-8 ≤ 3 bytes per UTF-16 unit) instead of measuring every string twice
  let max = 0;
  if (p) {
    if (p.payloadFormatIndicator != null) max += 2;
    if (p.contentType != null) max += 3 + 3 * p.contentType.length;
    if (p.responseTopic != null) max += 3 + 3 * p.responseTopic.length;
    const cd = p.correlationData as Buffer | string | undefined;
    if (cd != null) max += 3 + (typeof cd === 'string' ? 3 * cd.length : cd.length);
    const up = p.userProperties;
    if (up) for (const k of Object.getOwnPropertyNames(up)) eachValue(up[k], (v) => (max += 5 + 3 * (k.length + v.length)));
  }
  if (max === 0) b = NO_PROPS;
  else {
    b = Buffer.allocUnsafe(max);
    let o = 0;
    for (const key in p) {
      switch (key) {
        case 'payloadFormatIndicator':
          if (p!.payloadFormatIndicator == null) break;
          b[o++] = PROP.payloadFormatIndicator;
          b[o++] = +p!.payloadFormatIndicator;
          break;
        case 'contentType':
        case 'responseTopic':
          if (p![key] == null) break;
          b[o++] = PROP[key];
          o = writeString(b, o, p![key]!);
          break;
        case 'correlationData': {
          const cd = p!.correlationData;
          if (cd == null) break;
          b[o++] = PROP.correlationData;
          if (typeof cd === 'string') o = writeString(b, o, cd);
          else {
            b.writeUInt16BE(cd.length, o);
            o += 2 + Buffer.from(cd.buffer, cd.byteOffset, cd.length).copy(b, o + 2);
          }
          break;
        }
        case 'userProperties': {
          const up = p!.userProperties;
          if (!up) break;
          for (const k of Object.getOwnPropertyNames(up))
            eachValue(up[k], (v) => {
              b![o++] = PROP.userProperty;
              o = writeString(b!, o, k);
              o = writeString(b!, o, v);
            });
          break;
        }
      }
    }
    b = b.subarray(0, o);
  }
  (m as Cached)[V5_PROPS] = { properties: m.properties, buf: b };
  return b;
}

/**
 * A v5 PUBLISH (§3.3), written by hand (the hot path of agent channels): fixed header, remaining length,
 * topic (empty when an alias is already known), packet id, properties (the message's own, then Message
 * Expiry Interval = remaining lifetime [MQTT-3.3.2-6], Subscription Identifiers [MQTT-3.3.4-3], Topic Alias),
 * payload. Returns the bytes and the alias it would announce (recorded by the caller once sent). When every
 * alias the client allows is in use, the least recently used one (the first of `out.aliases`, which the
 * caller keeps in use order) is announced again for the new topic, replacing `evict` [MQTT-3.3.2-12: the
 * receiver updates its mapping when a PUBLISH carries both a topic name and an alias].
 */
export function encodeV5(d: Delivery, packetId: number, dup: boolean, out: V5Outbound, now: number): { buf: Buffer; newAlias?: number; evict?: string } {
  const m = d.message;
  const own = messageProperties(m);
  const expiry = m.expiresAt !== undefined ? Math.max(0, Math.ceil((m.expiresAt - now) / 1000)) : undefined;
  let topic = m.topic;
  let alias: number | undefined;
  let newAlias: number | undefined;
  let evict: string | undefined;
  if (out.aliasMax > 0) {
    const known = out.aliases.get(topic);
    if (known !== undefined) {
      alias = known;
      topic = '';
    } else if (out.aliases.size < out.aliasMax) alias = newAlias = out.aliases.size + 1;
    else {
      evict = out.aliases.keys().next().value as string;
      alias = newAlias = out.aliases.get(evict)!;
    }
  }
  const ids = d.subscriptionIds;
  let propsLen = own.length + (expiry !== undefined ? 5 : 0) + (alias !== undefined ? 3 : 0);
  if (ids) for (const id of ids) propsLen += 1 + varintLength(id);
  const topicLen = Buffer.byteLength(topic);
  const remaining = 2 + topicLen + (d.qos > 0 ? 2 : 0) + varintLength(propsLen) + propsLen + m.payload.length;
  const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  buf[0] = 0x30 | (dup ? 0x08 : 0) | (d.qos << 1) | (d.retain ? 1 : 0);
  let o = writeVarint(buf, 1, remaining);
  o = writeString(buf, o, topic);
  if (d.qos > 0) {
    buf.writeUInt16BE(packetId, o);
    o += 2;
  }
  o = writeVarint(buf, o, propsLen);
  o += own.copy(buf, o);
  if (expiry !== undefined) {
    buf[o++] = PROP.messageExpiryInterval;
    buf.writeUInt32BE(expiry, o);
    o += 4;
  }
  if (ids)
    for (const id of ids) {
      buf[o++] = PROP.subscriptionIdentifier;
      o = writeVarint(buf, o, id);
    }
  if (alias !== undefined) {
    buf[o++] = PROP.topicAlias;
    buf.writeUInt16BE(alias, o);
    o += 2;
  }
  m.payload.copy(buf, o);
  return { buf, newAlias, evict };
}
