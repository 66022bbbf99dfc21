/**
 * What a request handler sees: the node-wide context (log, group coordinator, advertised address, limits)
 * and the connection's state (namespace, client id, SASL state). A handler returns the response message,
 * or null when the request gets no response (Produce with acks=0).
 */
import type { Logger } from 'pino';
import type { ScramServerExchange } from '../../../auth/scram-server.js';
import type { ScramCredential, ScramMechanism } from '../../../auth/scram.js';
import type { GroupCoordinator } from '../../../broker/groups/coordinator.js';
import type { QuotaEnforcer } from '../../../broker/tenants/types.js';
import type { TopicLog } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';

export interface KafkaSettings {
  nodeId: number;
  clusterId: string;
  /** Namespace of connections that do not authenticate (or whose identity names none). */
  namespace: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Upper bound of one long-poll Fetch wait (clients ask for up to this). */
  maxFetchWaitMs: number;
}

export interface KafkaContext {
  log: TopicLog;
  groups: GroupCoordinator;
  logger: Logger;
  settings: KafkaSettings;
  /** SASL: checks a PLAIN user name and password; returns the namespace to use, or undefined to refuse. */
  authenticate?: (mechanism: string, user: string, password: string) => Promise<{ namespace?: string } | undefined>;
  /** SASL/SCRAM: a user's stored credential for a mechanism and its namespace, or undefined (unknown user). */
  scramCredential?: (mechanism: ScramMechanism, user: string) => Promise<{ credential: ScramCredential; namespace?: string } | undefined>;
  /** Aborted when the server stops (ends long polls). */
  signal: AbortSignal;
  /** Per-namespace quotas (src/broker/tenants/quotas.ts): connections, produce rates, stored bytes. */
  quotas?: QuotaEnforcer;
}

export interface ConnectionState {
  id: number;
  /** Host and port of this connection's listener that clients are told to use (Metadata, FindCoordinator). */
  advertised: { host: string; port: number };
  namespace: string;
  clientId: string;
  clientHost: string;
  /** Mechanism chosen by SaslHandshake, until SaslAuthenticate succeeds. */
  saslMechanism?: string;
  /** A SCRAM exchange between its first and second SaslAuthenticate. */
  scram?: { exchange: ScramServerExchange; namespace?: string; known: boolean };
  authenticated: boolean;
  user?: string;
  /** Set by the connection: ends long polls when the socket goes away. */
  signal: AbortSignal;
}

/**
 * A response may carry, under this key, a function to call once its bytes have been written to the socket
 * (Fetch: the cache leases behind the record batches it sends without copying).
 */
export const AFTER_WRITE = Symbol('kafka.afterWrite');

export type Handler = (req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext) => Promise<Msg | null> | Msg | null;
