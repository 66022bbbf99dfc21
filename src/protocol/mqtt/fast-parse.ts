/**
 * A decoder for the packets of the message hot path — PUBLISH and the 2-byte PUBACK / PUBREC / PUBREL /
 * PUBCOMP — read straight from one socket chunk, producing the same packet objects as mqtt-packet's
 * parser. It only handles complete, well-formed packets it fully understands; for anything else (a partial
 * packet, another packet type, an unknown or repeated property, a malformed length) it returns 0 and the
 * caller hands the bytes to mqtt-packet, which then decides (and reports errors) exactly as before.
 * A codec: no I/O.
 */
import type { Packet } from 'mqtt-packet';

/** Property identifiers a client may put on PUBLISH that this decoder reads (MQTT 5.0 §2.2.2.2). */
const PAYLOAD_FORMAT = 0x01;
const MESSAGE_EXPIRY = 0x02;
const CONTENT_TYPE = 0x03;
const RESPONSE_TOPIC = 0x08;
const CORRELATION_DATA = 0x09;
const TOPIC_ALIAS = 0x23;
const USER_PROPERTY = 0x26;

const CONFIRMATIONS: Record<number, 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> = { 0x40: 'puback', 0x50: 'pubrec', 0x62: 'pubrel', 0x70: 'pubcomp' };

export interface Decoded {
  packet: Packet;
  /** Bytes consumed from the chunk. */
  size: number;
}

/** Reads the variable byte integer at `o`: [value, bytes], or undefined when incomplete or malformed. */
function varint(buf: Buffer, o: number, end: number): [number, number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    if (o + i >= end) return undefined;
    const b = buf[o + i]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  return undefined;
}

/**
 * On a decoded v5 PUBLISH: the wire bytes of its properties that a broker forwards unchanged (Payload Format
 * Indicator, Content Type, Response Topic, Correlation Data, User Properties, in the client's order), so the
 * encoder need not write them again (outbound.ts presetMessageProperties). Message Expiry and Topic Alias are
 * left out: both are rewritten per delivery.
 */
export const FORWARDED_PROPERTIES = Symbol('strata.mqtt.forwardedProperties');

const FORWARDED = new Set([PAYLOAD_FORMAT, CONTENT_TYPE, RESPONSE_TOPIC, CORRELATION_DATA, USER_PROPERTY]);

/** The forwarded properties of the last properties() call: runs of [start, end) offsets (reused). */
const runs: number[] = [];

/** Adds the property `id` at [at, end) to the forwarded runs when it is forwarded. */
function forwarded(id: number, at: number, end: number): void {
  if (!FORWARDED.has(id)) return;
  if (runs.length > 0 && runs[runs.length - 1] === at) runs[runs.length - 1] = end;
  else runs.push(at, end);
}

function forwardedBytes(buf: Buffer): Buffer {
  if (runs.length === 2) return buf.subarray(runs[0], runs[1]);
  const parts: Buffer[] = [];
  for (let i = 0; i < runs.length; i += 2) parts.push(buf.subarray(runs[i], runs[i + 1]));
  return Buffer.concat(parts);
}

/** MQTT 5 PUBLISH properties in [o, end): the properties object, or undefined to fall back. */
function properties(buf: Buffer, o: number, end: number): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  runs.length = 0;
  const str = (): string | undefined => {
    if (o + 2 > end) return undefined;
    const n = buf.readUInt16BE(o);
    if (o + 2 + n > end) return undefined;
    const s = buf.toString('utf8', o + 2, o + 2 + n);
    // ill-formed UTF-8 (decoded to U+FFFD): mqtt-packet decides, and the bytes are never forwarded as sent
    if (s.includes('\uFFFD')) return undefined;
    o += 2 + n;
    return s;
  };
  while (o < end) {
    const at = o;
    const id = buf[o++]!;
    if (id === USER_PROPERTY) {
      const name = str();
      const value = str();
      if (name === undefined || value === undefined) return undefined;
      const up = (out.userProperties ??= Object.create(null)) as Record<string, string | string[]>;
      const had = up[name];
      if (had === undefined) up[name] = value;
      else if (Array.isArray(had)) had.push(value);
      else up[name] = [had, value];
      forwarded(id, at, o);
      continue;
    }
    let key: string;
    let value: unknown;
    switch (id) {
      case PAYLOAD_FORMAT:
        if (o + 1 > end || buf[o]! > 1) return undefined;
        key = 'payloadFormatIndicator';
        value = buf[o++] !== 0;
        break;
      case MESSAGE_EXPIRY:
        if (o + 4 > end) return undefined;
        key = 'messageExpiryInterval';
        value = buf.readUInt32BE(o);
        o += 4;
        break;
      case CONTENT_TYPE:
      case RESPONSE_TOPIC:
        key = id === CONTENT_TYPE ? 'contentType' : 'responseTopic';
        value = str();
        if (value === undefined) return undefined;
        break;
      case CORRELATION_DATA: {
        if (o + 2 > end) return undefined;
        const n = buf.readUInt16BE(o);
        if (o + 2 + n > end) return undefined;
        key = 'correlationData';
        value = buf.subarray(o + 2, o + 2 + n);
        o += 2 + n;
        break;
      }
      case TOPIC_ALIAS:
        if (o + 2 > end) return undefined;
        key = 'topicAlias';
        value = buf.readUInt16BE(o);
        o += 2;
        break;
      default:
        return undefined; // anything else (subscription identifier, unknown ids): mqtt-packet decides
    }
    if (key in out) return undefined; // repeated: mqtt-packet turns it into an array, keep its behaviour
    out[key] = value;
    forwarded(id, at, o);
  }
  return o === end ? out : undefined;
}

/**
 * Decodes the complete hot packets at the start of `buf`, one after the other while `more()` holds, and hands
 * each to `emit`; returns the offset of the first byte left for mqtt-packet (buf.length when none is).
 */
export function decodeHotRun(buf: Buffer, version: number, emit: (p: Packet) => void, more: () => boolean = () => true, from = 0): number {
  let o = from;
  while (o < buf.length && more()) {
    const d = decodeHot(buf, o, version);
    if (!d) break;
    o += d.size;
    emit(d.packet);
  }
  return o;
}

/**
 * Whether `buf` from `o` on is the incomplete start of a PUBLISH or a PUBACK/PUBREC/PUBREL/PUBCOMP of at most
 * `maxSize` bytes: a packet a socket chunk boundary cut, which the caller may keep and complete with the next
 * chunk (joinSplit) instead of handing everything after it to mqtt-packet.
 */
export function splitHotStart(buf: Buffer, o: number, maxSize: number): boolean {
  const b0 = buf[o]!;
  if (b0 >> 4 === 3 ? ((b0 >> 1) & 3) === 3 : CONFIRMATIONS[b0] === undefined) return false;
  const len = varint(buf, o + 1, buf.length);
  if (!len) return buf.length - o < 5; // the length itself is cut (4 bytes at most follow the type byte)
  const total = 1 + len[1] + len[0];
  return total <= maxSize && o + total > buf.length;
}

/**
 * Completes a packet cut by a chunk boundary (`head`: its first bytes, see splitHotStart) with the start of
 * the next chunk: the whole packet and how many bytes of `chunk` it took; 'incomplete' when `chunk` does not
 * finish it either; 'fallback' when its length turns out malformed or over `maxSize` (mqtt-packet then
 * reports it, as for any packet).
 */
export function joinSplit(head: Buffer, chunk: Buffer, maxSize: number): { packet: Buffer; used: number } | 'incomplete' | 'fallback' {
  const header = head.length >= 5 ? head : Buffer.concat([head, chunk.subarray(0, 5 - head.length)]);
  const len = varint(header, 1, header.length);
  if (!len) return header.length >= 5 ? 'fallback' : 'incomplete';
  const total = 1 + len[1] + len[0];
  if (total > maxSize) return 'fallback';
  const used = total - head.length;
  if (used > chunk.length) return 'incomplete';
  return { packet: Buffer.concat([head, chunk.subarray(0, used)], total), used };
}

/** Decodes the packet at `o` of `buf` for a connection speaking `version`, or returns undefined. */
export function decodeHot(buf: Buffer, o: number, version: number): Decoded | undefined {
  const b0 = buf[o]!;
  const len = varint(buf, o + 1, buf.length);
  if (!len) return undefined;
  const start = o + 1 + len[1];
  const end = start + len[0];
  if (end > buf.length) return undefined;
  const type = b0 >> 4;
  if (type !== 3) {
    const cmd = CONFIRMATIONS[b0];
    if (!cmd || len[0] !== 2) return undefined;
    const packet = { cmd, retain: false, qos: (b0 >> 1) & 3, dup: false, length: 2, topic: null, payload: null, messageId: buf.readUInt16BE(start) } as unknown as Packet & { reasonCode?: number };
    if (version === 5) packet.reasonCode = 0;
    return { packet, size: end - o };
  }
  const qos = (b0 >> 1) & 3;
  if (qos === 3) return undefined;
  let p = start;
  if (p + 2 > end) return undefined;
  const topicLen = buf.readUInt16BE(p);
  if (p + 2 + topicLen > end) return undefined;
  const topic = buf.toString('utf8', p + 2, p + 2 + topicLen);
  p += 2 + topicLen;
  let messageId: number | undefined;
  if (qos > 0) {
    if (p + 2 > end) return undefined;
    messageId = buf.readUInt16BE(p);
    p += 2;
  }
  let props: Record<string, unknown> | undefined;
  if (version === 5) {
    const pl = varint(buf, p, end);
    if (!pl || p + pl[1] + pl[0] > end) return undefined;
    props = properties(buf, p + pl[1], p + pl[1] + pl[0]);
    if (!props) return undefined;
    p += pl[1] + pl[0];
  }
  const packet: Record<string, unknown> = { cmd: 'publish', retain: (b0 & 1) !== 0, qos, dup: (b0 & 8) !== 0, length: len[0], topic, payload: buf.subarray(p, end) };
  if (messageId !== undefined) packet.messageId = messageId;
  if (props && Object.keys(props).length) {
    packet.properties = props;
    (packet as { [FORWARDED_PROPERTIES]?: Buffer })[FORWARDED_PROPERTIES] = forwardedBytes(buf);
  }
  return { packet: packet as unknown as Packet, size: end - o };
}
