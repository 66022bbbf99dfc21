/**
 * The broker's data model, independent of the wire codec: messages, subscriptions, session snapshots.
 */
import type { QoS } from 'mqtt-packet';

export type UserProperties = Record<string, string | string[]>;

/** MQTT 5 properties carried with an application message (passed through unchanged [MQTT-3.3.2-4…]). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
}

export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties;
  /** Absolute expiry time (ms since epoch) from the message expiry interval; undefined = never. */
  expiresAt?: number;
  /** Client id of the publisher (for no-local); undefined for broker-generated messages. */
  origin?: string;
  /** Offset in the durable MQTT message log when it was appended. */
  logOffset?: number;
  /** Client ids that shared subscriptions picked for this message (kept in the log for replay). */
  sharedTargets?: string[];
  /** Namespace, on stored retained messages. */
  namespace?: string;
}

export interface Subscription {
  /** The filter as subscribed (with the `$share/<group>/` prefix for shared ones). */
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionId?: number;
}

/** What is persisted of a session (design: sessions are small meta documents). */
export interface SessionSnapshot {
  clientId: string;
  /** Seconds; 0xFFFFFFFF = never expires. */
  expiryInterval: number;
  subscriptions: Subscription[];
  /** All log records below this offset that concern this session were delivered and acknowledged. */
  cursor: number;
  /** When the client disconnected (ms); undefined while connected (or when the node died). */
  disconnectedAt?: number;
  /** Namespace (tenant) the session belongs to. */
  namespace: string;
  /** User that opened it (undefined = anonymous); a CONNECT by anyone else never resumes it. */
  owner?: string;
  /** The will not yet published (base64 of a retained-message document), with its delay in seconds. */
  will?: { document: string; delay: number; retain: boolean };
  /**
   * Outgoing QoS 1/2 PUBLISHes sent and not yet acknowledged, by packet id and log offset: after a restart
   * they are sent again with DUP=1 and the same id, or as PUBREL when PUBREC was received [MQTT-4.4.0-1].
   */
  inflight?: { id: number; offset: number; state: 'publish' | 'pubrel' }[];
  /** Incoming QoS 2 packet ids between PUBREC and PUBREL [MQTT-4.3.3-9], so a resend is not routed twice. */
  incomingQos2?: number[];
}

export const NEVER_EXPIRES = 0xffffffff;
