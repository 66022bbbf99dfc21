/**
 * Inbound PUBLISH with its acknowledgements (MQTT 5.0 §3.3–3.7, §4.3): topic aliases, validation,
 * authorization, flow control, QoS 2 de-duplication (method B: route on PUBLISH, remember the packet id
 * until PUBREL), and acknowledgements that go out only once the message is durable, in order.
 */
import type { IPublishPacket, IPubackPacket, IPubrecPacket, IPubcompPacket, IPubrelPacket } from 'mqtt-packet';
import { isValidTopicName } from '../../broker/mqtt/topic.js';
import type { Message, MessageProperties } from '../../broker/mqtt/types.js';
import type { MqttConnection } from './connection.js';
import { RC } from './reason-codes.js';
import { FORWARDED_PROPERTIES } from './fast-parse.js';
import { presetMessageProperties } from './outbound.js';

function propertiesOf(p: IPublishPacket): MessageProperties | undefined {
  const src = p.properties;
  if (!src) return undefined;
  const out: MessageProperties = {};
  if (src.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = src.payloadFormatIndicator;
  if (src.contentType !== undefined) out.contentType = src.contentType;
  if (src.responseTopic !== undefined) out.responseTopic = src.responseTopic;
  if (src.correlationData !== undefined) out.correlationData = src.correlationData;
  if (src.userProperties !== undefined) out.userProperties = src.userProperties;
  return out;
}

function ack(c: MqttConnection, cmd: 'puback' | 'pubrec', messageId: number, rc: number): void {
  if (c.version === 5 && rc !== RC.SUCCESS) c.write({ cmd, messageId, reasonCode: rc });
  // success in every version is the 4-byte form [MQTT-3.4.2-1: reason code omitted when 0x00 and no properties]
  else c.writeBuffer(Buffer.from([cmd === 'puback' ? 0x40 : 0x50, 2, messageId >> 8, messageId & 0xff]), cmd);
}

/** Acknowledges after `wait` (if any) and after every earlier acknowledgement [MQTT-4.6.0-2]. */
function ackInOrder(c: MqttConnection, cmd: 'puback' | 'pubrec', messageId: number, wait: Promise<void> | undefined, after?: () => void): void {
  if (!wait && !c.ackChain) {
    c.inboundPending--;
    after?.();
    return ack(c, cmd, messageId, RC.SUCCESS);
  }
  afterEarlierAcks(
    c,
    wait,
    () => {
      c.inboundPending--;
      // the message is durable and routed: remember its QoS 2 id in the session even if this connection is
      // gone, so the client's resend after reconnecting is acknowledged, not routed twice [MQTT-4.3.3-10]
      after?.();
      if (c.state !== 'open') return;
      ack(c, cmd, messageId, RC.SUCCESS);
    },
    (err) => {
      c.inboundPending--;
      c.ctx.logger.warn({ err, clientId: c.clientId }, 'publish could not be made durable');
      // v5 can say so; a 3.1.1 client can only learn it by losing the connection and resending
      if (c.version === 5) ack(c, cmd, messageId, RC.UNSPECIFIED_ERROR);
      else c.protocolClose(RC.UNSPECIFIED_ERROR, 'persistence failed');
    },
  );
}

/** Runs `done` (or `failed`) once `wait` settles and every earlier acknowledgement went out [MQTT-4.6.0-2]. */
function afterEarlierAcks(c: MqttConnection, wait: Promise<unknown> | undefined, done: () => void, failed: (err: unknown) => void): void {
  const prev = c.ackChain ?? Promise.resolve();
  // `wait` may fail while earlier acks are pending: mark it handled now (the chain below still sees the
  // failure), or it is an unhandled rejection, which is fatal in `strata start`
  wait?.catch(() => {});
  const chain = prev.then(() => wait).then(done, failed);
  c.ackChain = chain;
  void chain.then(() => {
    if (c.ackChain === chain) c.ackChain = undefined;
  });
}

export function handlePublish(c: MqttConnection, p: IPublishPacket): void {
  const { limits, broker, authorizer, metrics } = c.ctx;
  let topic = p.topic;
  if (c.version === 5) {
    const alias = p.properties?.topicAlias;
    if (alias !== undefined) {
      if (alias === 0 || alias > limits.topicAliasMaximum) return c.protocolClose(RC.TOPIC_ALIAS_INVALID, 'topic alias out of range'); // [MQTT-3.3.2-8, MQTT-3.3.2-9]
      if (topic) (c.inAliases ??= new Map()).set(alias, topic);
      else {
        const known = c.inAliases?.get(alias);
        if (known === undefined) return c.protocolClose(RC.PROTOCOL_ERROR, 'unknown topic alias');
        topic = known;
      }
    }
    const rt = p.properties?.responseTopic;
    if (rt !== undefined && !isValidTopicName(rt)) return c.protocolClose(RC.PROTOCOL_ERROR, 'invalid response topic'); // [MQTT-3.3.2-14]
  }
  if (!isValidTopicName(topic, limits.maxTopicLength)) return c.protocolClose(RC.TOPIC_NAME_INVALID, 'invalid topic name'); // [MQTT-3.3.2-2]
  const qos = p.qos;
  const id = p.messageId ?? 0;
  const session = c.session!;
  if (qos > 0) {
    if (c.inboundPending + session.incomingQos2.size >= limits.receiveMaximum) return c.protocolClose(RC.RECEIVE_MAXIMUM_EXCEEDED, 'receive maximum exceeded'); // [MQTT-3.3.4-7]
    if (qos === 2 && session.incomingQos2.has(id)) {
      c.inboundPending++;
      return ackInOrder(c, 'pubrec', id, undefined); // duplicate: acknowledge again, do not route [MQTT-4.3.3-10]
    }
  }
  if (!authorizer.canPublish(c.identity!, topic)) {
    metrics.dropped('not_authorized');
    if (qos === 1) ack(c, 'puback', id, RC.NOT_AUTHORIZED);
    else if (qos === 2) ack(c, 'pubrec', id, RC.NOT_AUTHORIZED);
    return;
  }
  const expiry = p.properties?.messageExpiryInterval;
  const message: Message = {
    topic,
    payload: typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload,
    qos,
    retain: p.retain,
    properties: c.version === 5 ? propertiesOf(p) : undefined,
    expiresAt: expiry ? Date.now() + expiry * 1000 : undefined,
    origin: session.clientId,
  };
  const forwarded = (p as { [FORWARDED_PROPERTIES]?: Buffer })[FORWARDED_PROPERTIES];
  if (forwarded !== undefined && message.properties !== undefined) presetMessageProperties(message, forwarded);
  if (c.ctx.quotas !== undefined && !admitted(c, p, message)) return;
  const wait = broker.publish(c.identity!.namespace, message);
  if (qos === 0) {
    // nothing acknowledges a QoS 0 publish, so nothing else bounds how many wait for their durable copies
    // (the promise never rejects: the broker logs what failed)
    if (wait) void c.flood(wait);
    return;
  }
  c.inboundPending++;
  if (qos === 1) return ackInOrder(c, 'puback', id, wait);
  if (!session.persistent) return ackInOrder(c, 'pubrec', id, wait, () => session.incomingQos2.add(id));
  // a persistent session outlives the node: the id is in a durable snapshot before PUBREC goes out, so the
  // client's resend after a crash is acknowledged, not routed twice [MQTT-4.3.3-10]
  const remembered = (wait ?? Promise.resolve()).then(() => {
    session.incomingQos2.add(id);
    return broker.save(session);
  });
  ackInOrder(c, 'pubrec', id, remembered);
}

/** A refusal in acknowledgement order [MQTT-4.6.0-2]: after every acknowledgement still pending. */
function refuseInOrder(c: MqttConnection, cmd: 'puback' | 'pubrec', messageId: number, rc: number): void {
  if (!c.ackChain) return ack(c, cmd, messageId, rc);
  const chain = c.ackChain.then(() => {
    if (c.state === 'open') ack(c, cmd, messageId, rc);
  });
  c.ackChain = chain;
  void chain.then(() => {
    if (c.ackChain === chain) c.ackChain = undefined;
  });
}

/**
 * The namespace's rate and storage quotas (docs/tenants.md "Quotas"). v5: QoS 1/2 refused with 0x97 Quota
 * exceeded in PUBACK/PUBREC, QoS 0 dropped. 3.1.1 has no way to refuse a PUBLISH: over a rate quota the
 * connection stops reading until the bucket refills (backpressure), over the storage quota it is closed.
 */
function admitted(c: MqttConnection, p: IPublishPacket, message: Message): boolean {
  const ns = c.identity!.namespace;
  const a = c.ctx.quotas!.admitProduce(ns, 1, message.payload.length);
  if (a.ok) return true;
  const log = { clientId: c.clientId, namespace: ns, topic: message.topic, quota: a.quota };
  if (c.version === 5) {
    c.ctx.logger.debug(log, 'publish refused: namespace quota');
    if (p.qos === 0) c.ctx.metrics.dropped('quota');
    else refuseInOrder(c, p.qos === 1 ? 'puback' : 'pubrec', p.messageId ?? 0, RC.QUOTA_EXCEEDED); // MQTT 5.0 §3.4.2.1, §3.5.2.1
  } else if (a.reason === 'rate') {
    c.ctx.logger.debug({ ...log, waitMs: a.retryAfterMs }, 'publish held: namespace rate quota (backpressure)');
    c.holdFor(p, a.retryAfterMs);
  } else {
    c.ctx.logger.info(log, 'closing MQTT 3.1.1 connection: its namespace is over its maxStoredBytes quota');
    c.protocolClose(RC.QUOTA_EXCEEDED, 'namespace over its maxStoredBytes quota');
  }
  return false;
}

export function handlePubrel(c: MqttConnection, p: IPubrelPacket): void {
  const id = p.messageId ?? 0;
  const session = c.session!;
  const had = session.incomingQos2.delete(id); // [MQTT-4.3.3-11]
  // persistent session: PUBCOMP once the id is out of the durable snapshot too, or a restart would take the
  // client's next message under this (now free) id for a resend and drop it
  const forgotten = had && session.persistent ? c.ctx.broker.save(session) : undefined;
  if (forgotten) {
    return afterEarlierAcks(
      c,
      forgotten,
      () => {
        if (c.state === 'open') c.write({ cmd: 'pubcomp', messageId: id });
      },
      (err) => {
        c.ctx.logger.warn({ err, clientId: c.clientId }, 'session snapshot failed; PUBREL not completed');
        c.protocolClose(RC.UNSPECIFIED_ERROR, 'persistence failed'); // the client resends PUBREL on reconnect
      },
    );
  }
  const send = (): void => {
    if (c.version === 5 && !had) c.write({ cmd: 'pubcomp', messageId: id, reasonCode: RC.PACKET_IDENTIFIER_NOT_FOUND });
    else c.write({ cmd: 'pubcomp', messageId: id });
  };
  if (c.ackChain) void c.ackChain.then(send);
  else send();
}

export function handleAck(c: MqttConnection, p: IPubackPacket | IPubrecPacket | IPubcompPacket): void {
  const s = c.session!;
  const id = p.messageId ?? 0;
  if (p.cmd === 'pubrec') {
    const ok = s.received(id, (p.reasonCode ?? 0) >= 0x80);
    if (!ok && c.version === 5) c.write({ cmd: 'pubrel', messageId: id, reasonCode: RC.PACKET_IDENTIFIER_NOT_FOUND });
    else if (!ok) c.write({ cmd: 'pubrel', messageId: id });
    return;
  }
  s.complete(id);
}
