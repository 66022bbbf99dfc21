/**
 * SUBSCRIBE → SUBACK and UNSUBSCRIBE → UNSUBACK (MQTT 5.0 §3.8–3.11): filter validation, shared
 * subscriptions, subscription options and identifiers, authorization, then retained messages.
 */
import type { ISubscribePacket, IUnsubscribePacket, QoS } from 'mqtt-packet';
import { isValidTopicFilter, parseShared } from '../../broker/mqtt/topic.js';
import type { Subscription } from '../../broker/mqtt/types.js';
import type { MqttConnection } from './connection.js';
import { RC, V3_SUBACK_FAILURE } from './reason-codes.js';

export async function handleSubscribe(c: MqttConnection, p: ISubscribePacket): Promise<void> {
  if (c.state !== 'open') return;
  const { limits, broker, authorizer, metrics } = c.ctx;
  const v5 = c.version === 5;
  const subscriptionId = v5 ? p.properties?.subscriptionIdentifier : undefined;
  if (subscriptionId === 0) return c.protocolClose(RC.PROTOCOL_ERROR, 'subscription identifier 0'); // [MQTT-3.8.2-?]
  const codes: number[] = [];
  const subs: Subscription[] = [];
  for (const s of p.subscriptions) {
    const filter = s.topic;
    const shared = parseShared(filter);
    if (shared === null || (shared === undefined && !isValidTopicFilter(filter, limits.maxTopicLength))) {
      codes.push(v5 ? RC.TOPIC_FILTER_INVALID : V3_SUBACK_FAILURE);
      continue;
    }
    if (shared && s.nl) return c.protocolClose(RC.PROTOCOL_ERROR, 'no local on a shared subscription'); // [MQTT-3.8.3-4]
    if (!authorizer.canSubscribe(c.identity!, filter)) {
      metrics.dropped('not_authorized');
      codes.push(v5 ? RC.NOT_AUTHORIZED : V3_SUBACK_FAILURE);
      continue;
    }
    const qos = Math.min(s.qos, 2) as QoS;
    codes.push(qos); // granted QoS [MQTT-3.9.3-1]
    subs.push({
      filter,
      qos,
      noLocal: v5 && !!s.nl,
      retainAsPublished: v5 && !!s.rap,
      retainHandling: (v5 ? s.rh ?? 0 : 0) as 0 | 1 | 2,
      subscriptionId,
    });
  }
  const existed = subs.length ? await broker.subscribe(c.session!, subs) : [];
  if (c.state !== 'open') return;
  c.write({ cmd: 'suback', messageId: p.messageId, granted: codes }); // [MQTT-3.8.4-1]
  broker.sendRetained(c.session!, subs, existed);
}

export async function handleUnsubscribe(c: MqttConnection, p: IUnsubscribePacket): Promise<void> {
  if (c.state !== 'open') return;
  const found = await c.ctx.broker.unsubscribe(c.session!, p.unsubscriptions);
  if (c.state !== 'open') return;
  if (c.version === 5) c.write({ cmd: 'unsuback', messageId: p.messageId, granted: found.map((f) => (f ? RC.SUCCESS : RC.NO_SUBSCRIPTION_EXISTED)) });
  else c.write({ cmd: 'unsuback', messageId: p.messageId } as never); // [MQTT-3.10.4-4]
}
