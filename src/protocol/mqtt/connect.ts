/**
 * CONNECT → CONNACK (MQTT 5.0 §3.1, §3.2; 3.1.1 §3.1, §3.2): client identifier rules, authentication,
 * session open/resume, will, keep-alive, and the v5 limits both sides announce.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IConnectPacket, type IConnackPacket } from 'mqtt-packet';
import { NEVER_EXPIRES, type Message } from '../../broker/mqtt/types.js';
import { isValidTopicName } from '../../broker/mqtt/topic.js';
import type { MqttConnection } from './connection.js';
import { RC, V3_CONNACK, v3ConnackCode } from './reason-codes.js';
import { enhancedAuth } from './enhanced-auth.js';
import type { AuthResult } from '../../auth/types.js';

function connack(c: MqttConnection, rc: number, sessionPresent: boolean, properties?: IConnackPacket['properties']): void {
  if (c.version === 5) c.write({ cmd: 'connack', reasonCode: rc, sessionPresent, properties });
  else c.write({ cmd: 'connack', returnCode: v3ConnackCode(rc), sessionPresent });
}

/** Refuses the CONNECT and closes [MQTT-3.2.2-6: session present 0 with a non-zero code]. */
function refuse(c: MqttConnection, rc: number, reason?: string): void {
  connack(c, rc, false, reason ? { reasonString: reason } : undefined);
  c.ctx.logger.debug({ rc, reason }, 'connect refused');
  c.stream.end();
  c.destroyLater();
}

/** An unknown protocol level: CONNACK 0x01 (3.1.1) and close [MQTT-3.1.2-2]. */
export function rejectUnsupportedVersion(c: MqttConnection): void {
  c.writeBuffer(mqtt.generate({ cmd: 'connack', returnCode: V3_CONNACK.UNACCEPTABLE_PROTOCOL_VERSION, sessionPresent: false }, { protocolVersion: 4 }), 'connack');
  c.stream.end();
  c.destroyLater();
}

function willOf(p: IConnectPacket, clientId: string): { message: Message; delay: number } | undefined {
  const w = p.will;
  if (!w) return undefined;
  const props = w.properties ?? {};
  const message: Message = {
    topic: w.topic,
    payload: Buffer.isBuffer(w.payload) ? w.payload : Buffer.from(w.payload ?? ''),
    qos: w.qos ?? 0,
    retain: w.retain ?? false,
    origin: clientId,
    properties: {
      payloadFormatIndicator: props.payloadFormatIndicator,
      contentType: props.contentType,
      responseTopic: props.responseTopic,
      correlationData: props.correlationData,
      userProperties: props.userProperties,
    },
    expiresAt: props.messageExpiryInterval ? Date.now() + props.messageExpiryInterval * 1000 : undefined,
  };
  for (const k of Object.keys(message.properties!) as (keyof NonNullable<Message['properties']>)[]) if (message.properties![k] === undefined) delete message.properties![k];
  return { message, delay: props.willDelayInterval ?? 0 };
}

export async function handleConnect(c: MqttConnection, p: IConnectPacket): Promise<void> {
  const { limits, broker, authenticator, authorizer } = c.ctx;
  c.version = (p.protocolVersion ?? 4) as 3 | 4 | 5;
  c.setParserVersion(c.version);
  const props = p.properties ?? {};
  const clean = p.clean !== false;
  let clientId = p.clientId ?? '';
  let assigned: string | undefined;
  if (clientId === '') {
    if (c.version === 3 || (c.version === 4 && !clean)) return refuse(c, RC.CLIENT_IDENTIFIER_NOT_VALID); // [MQTT-3.1.3-8]
    clientId = assigned = 'strata-' + randomBytes(9).toString('base64url'); // [MQTT-3.1.3-6]
  }
  if (c.version === 5 && (props.receiveMaximum === 0 || props.maximumPacketSize === 0)) return refuse(c, RC.PROTOCOL_ERROR); // [MQTT-3.1.2-?]
  const will = willOf(p, clientId);
  if (will && !isValidTopicName(will.message.topic, limits.maxTopicLength)) return refuse(c, RC.TOPIC_NAME_INVALID);

  // MQTT 5 enhanced authentication (SCRAM) when the CONNECT names a method, else user name / password
  let enhanced: { method: string; serverFinal: Buffer } | undefined;
  let auth: AuthResult;
  if (c.version === 5 && props.authenticationMethod !== undefined) {
    const r = await enhancedAuth(c, p);
    if (!r || c.closed) return;
    if (!r.ok) return refuse(c, r.rc, r.reason);
    enhanced = { method: r.method, serverFinal: r.serverFinal };
    c.authMethod = r.method;
    auth = { ok: true, user: r.user, namespace: r.namespace, ...(r.acl ? { acl: r.acl } : {}) };
  } else {
    auth = await authenticator.authenticate({ clientId, username: p.username, password: p.password, loopback: c.remote.loopback, certificate: c.remote.cn ? { subjectCN: c.remote.cn } : undefined });
  }
  if (c.closed) return;
  if (!auth.ok) return refuse(c, auth.reason === 'bad_credentials' ? RC.BAD_USER_NAME_OR_PASSWORD : RC.NOT_AUTHORIZED);
  c.identity = { clientId, user: auth.user, namespace: auth.namespace, ...(auth.acl ? { acl: auth.acl } : {}) };
  if (will && !authorizer.canPublish(c.identity, will.message.topic)) return refuse(c, RC.NOT_AUTHORIZED);
  if (c.ctx.quotas) {
    // before the session is opened, so a refused client never takes over a session; released in finish()
    const release = c.ctx.quotas.openConnection(auth.namespace);
    if (!release) {
      c.ctx.logger.debug({ clientId, namespace: auth.namespace }, 'connect refused: namespace at its maxConnections quota');
      return refuse(c, RC.QUOTA_EXCEEDED, `namespace ${auth.namespace} is at its maxConnections quota`); // 3.1.1: 0x03 server unavailable
    }
    c.releaseQuota = release;
  }

  // keep-alive, capped by the server [MQTT-3.2.2-21]
  let serverKeepAlive: number | undefined;
  c.keepAlive = p.keepalive ?? 0;
  if (limits.maxKeepAlive > 0 && (c.keepAlive === 0 || c.keepAlive > limits.maxKeepAlive)) {
    c.keepAlive = limits.maxKeepAlive;
    if (c.version === 5) serverKeepAlive = limits.maxKeepAlive;
  }
  c.receiveMaximum = Math.min(c.version === 5 ? props.receiveMaximum ?? 65535 : 65535, limits.maxInflight);
  if (c.version === 5) {
    c.maxOutgoing = props.maximumPacketSize ?? 0;
    c.out.aliasMax = props.topicAliasMaximum ?? 0;
    if (c.out.aliasMax > 0) c.out.aliases = new Map();
  }
  const expiry = c.version === 5 ? props.sessionExpiryInterval ?? 0 : clean ? 0 : NEVER_EXPIRES;
  const { session, present } = await broker.connect(auth.namespace, clientId, clean, expiry, will, auth.user);
  if (c.closed) {
    broker.disconnect(session, true);
    return;
  }
  c.session = session;
  const properties: IConnackPacket['properties'] = {};
  if (c.version === 5) {
    if (assigned) properties.assignedClientIdentifier = assigned; // [MQTT-3.2.2-16]
    properties.receiveMaximum = limits.receiveMaximum;
    properties.maximumPacketSize = limits.maxPacketSize;
    properties.topicAliasMaximum = limits.topicAliasMaximum;
    properties.retainAvailable = true;
    properties.wildcardSubscriptionAvailable = true;
    properties.subscriptionIdentifiersAvailable = true;
    properties.sharedSubscriptionAvailable = true;
    if (serverKeepAlive !== undefined) properties.serverKeepAlive = serverKeepAlive;
    if (session.expiryInterval !== expiry) properties.sessionExpiryInterval = session.expiryInterval;
    if (props.requestResponseInformation && limits.responseInformation) properties.responseInformation = limits.responseInformation;
    if (enhanced) {
      properties.authenticationMethod = enhanced.method;
      properties.authenticationData = enhanced.serverFinal; // the client verifies the server's signature
    }
  }
  connack(c, RC.SUCCESS, present && !clean, c.version === 5 ? properties : undefined); // [MQTT-3.2.2-2]
  c.opened();
  session.attach(c); // resend in-flight, then queued [MQTT-4.4.0-1]
  c.ctx.logger.debug({ clientId, namespace: auth.namespace, version: c.version, present }, 'client connected');
}
