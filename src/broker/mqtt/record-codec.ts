/**
 * MQTT messages ⇄ log records (design: "MQTT topic name and properties travel as key/headers"), and
 * ⇄ JSON documents for retained messages. No I/O. A Kafka consumer of an MQTT log topic sees the MQTT
 * topic as the record key, the payload as the value, user properties as plain headers, and the other
 * MQTT properties under `mqtt.*` header names.
 */
import type { RecordHeader, RecordInput, StoredRecord } from '../../log/types.js';
import type { Message, MessageProperties, UserProperties } from './types.js';

const H = {
  qos: 'mqtt.qos',
  retain: 'mqtt.retain',
  expiresAt: 'mqtt.expires-at',
  origin: 'mqtt.origin',
  sharedTargets: 'mqtt.shared-targets',
  contentType: 'mqtt.content-type',
  payloadFormat: 'mqtt.payload-format',
  responseTopic: 'mqtt.response-topic',
  correlationData: 'mqtt.correlation-data',
} as const;

const str = (s: string): Buffer => Buffer.from(s);

export function toRecord(m: Message): RecordInput {
  const headers: RecordHeader[] = [{ key: H.qos, value: Buffer.from([m.qos]) }];
  if (m.retain) headers.push({ key: H.retain, value: Buffer.from([1]) });
  if (m.expiresAt !== undefined) headers.push({ key: H.expiresAt, value: str(String(m.expiresAt)) });
  if (m.origin !== undefined) headers.push({ key: H.origin, value: str(m.origin) });
  if (m.sharedTargets?.length) headers.push({ key: H.sharedTargets, value: str(JSON.stringify(m.sharedTargets)) });
  const p = m.properties;
  if (p) {
    if (p.contentType !== undefined) headers.push({ key: H.contentType, value: str(p.contentType) });
    if (p.payloadFormatIndicator !== undefined) headers.push({ key: H.payloadFormat, value: Buffer.from([p.payloadFormatIndicator ? 1 : 0]) });
    if (p.responseTopic !== undefined) headers.push({ key: H.responseTopic, value: str(p.responseTopic) });
    if (p.correlationData !== undefined) headers.push({ key: H.correlationData, value: Buffer.from(p.correlationData) });
    for (const [k, v] of Object.entries(p.userProperties ?? {})) for (const one of Array.isArray(v) ? v : [v]) headers.push({ key: k, value: str(one) });
  }
  return { key: str(m.topic), value: m.payload, headers };
}

export function fromRecord(r: StoredRecord): Message {
  const m: Message = { topic: r.key?.toString() ?? '', payload: r.value ?? Buffer.alloc(0), qos: 0, retain: false };
  const props: MessageProperties = {};
  let user: UserProperties | undefined;
  for (const h of r.headers) {
    const v = h.value ?? Buffer.alloc(0);
    switch (h.key) {
      case H.qos: m.qos = Math.min(v[0] ?? 0, 2) as 0 | 1 | 2; break;
      case H.retain: m.retain = v[0] === 1; break;
      case H.expiresAt: m.expiresAt = Number(v.toString()); break;
      case H.origin: m.origin = v.toString(); break;
      case H.sharedTargets: m.sharedTargets = JSON.parse(v.toString()) as string[]; break;
      case H.contentType: props.contentType = v.toString(); break;
      case H.payloadFormat: props.payloadFormatIndicator = v[0] === 1; break;
      case H.responseTopic: props.responseTopic = v.toString(); break;
      case H.correlationData: props.correlationData = Buffer.from(v); break;
      default: {
        user ??= {};
        const prev = user[h.key];
        user[h.key] = prev === undefined ? v.toString() : Array.isArray(prev) ? [...prev, v.toString()] : [prev, v.toString()];
      }
    }
  }
  if (user) props.userProperties = user;
  if (Object.keys(props).length) m.properties = props;
  return m;
}

/** JSON document of a retained message (Buffers as base64). */
export function toDocument(m: Message): Buffer {
  return Buffer.from(JSON.stringify({
    topic: m.topic,
    payload: m.payload.toString('base64'),
    qos: m.qos,
    expiresAt: m.expiresAt,
    namespace: m.namespace,
    properties: m.properties ? { ...m.properties, correlationData: m.properties.correlationData?.toString('base64') } : undefined,
  }));
}

export function fromDocument(body: Buffer): Message {
  const d = JSON.parse(body.toString()) as { topic: string; payload: string; qos: 0 | 1 | 2; expiresAt?: number; namespace?: string; properties?: MessageProperties & { correlationData?: string } };
  const m: Message = { topic: d.topic, payload: Buffer.from(d.payload, 'base64'), qos: d.qos, retain: true, expiresAt: d.expiresAt, namespace: d.namespace };
  if (d.properties) m.properties = { ...d.properties, correlationData: d.properties.correlationData !== undefined ? Buffer.from(d.properties.correlationData, 'base64') : undefined };
  if (m.properties && m.properties.correlationData === undefined) delete m.properties.correlationData;
  return m;
}
