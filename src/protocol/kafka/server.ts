/**
 * The Kafka wire-protocol listeners: a TCP server and, when configured, a TLS server, whose connections
 * (network/connection.ts) decode requests with the codec layer and answer them from the topic log and the
 * group coordinator. Each listener advertises its own address (a TLS client must be sent to the TLS port).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GroupCoordinator } from '../../broker/groups/coordinator.js';
import type { GroupConfig } from '../../broker/groups/types.js';
import type { TopicLog } from '../../log/types.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import type { KafkaContext, KafkaSettings } from './handlers/context.js';
import { kafkaMetrics } from './metrics.js';
import { KafkaConnection } from './network/connection.js';

export interface KafkaServerOptions {
  log: TopicLog;
  logger: Logger;
  host: string;
  port: number;
  /** Host advertised to clients; default: the bound host (0.0.0.0/:: → 127.0.0.1). */
  advertisedHost?: string;
  advertisedPort?: number;
  /** A second listener speaking TLS (same protocol, same log). */
  tls?: { port: number; advertisedPort?: number; options: TlsOptions };
  nodeId?: number;
  clusterId?: string;
  namespace?: string;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  maxRequestBytes?: number;
  maxFetchWaitMs?: number;
  maxInFlight?: number;
  /** Close connections idle this long, in ms (Kafka: connections.max.idle.ms, default 10 min); 0 = never. */
  idleMs?: number;
  groups?: Partial<GroupConfig>;
  /** When set, SASL/PLAIN is offered; with saslRequired, unauthenticated requests close the connection. */
  authenticate?: KafkaContext['authenticate'];
  /** When set (with `authenticate`), SASL/SCRAM-SHA-256 and -512 are offered too. */
  scramCredential?: KafkaContext['scramCredential'];
  saslRequired?: boolean;
  registry?: Registry;
  /** Per-namespace quotas; undefined = none. */
  quotas?: QuotaEnforcer;
}

export interface KafkaServer {
  readonly port: number;
  /** Bound TLS port, when a TLS listener is configured. */
  readonly tlsPort: number | undefined;
  readonly groups: GroupCoordinator;
  /** Starts the listeners; resolves with the plain TCP port. */
  start(): Promise<number>;
  stop(): Promise<void>;
  /** Closes the connections that logged in as `user` of `namespace` (a revoked credential); returns how many. */
  revoke(user: string, namespace: string): number;
}

interface Listener {
  server: Server;
  bindPort: number;
  fixedAdvertisedPort?: number;
  advertised: { host: string; port: number };
}

function listen(l: Listener, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    l.server.once('error', reject);
    l.server.listen(l.bindPort, host, () => {
      l.server.off('error', reject);
      const a = l.server.address();
      const port = typeof a === 'object' && a ? a.port : l.bindPort;
      l.advertised.port = l.fixedAdvertisedPort ?? port;
      resolve(port);
    });
  });
}

export function createKafkaServer(o: KafkaServerOptions): KafkaServer {
  const metrics = kafkaMetrics(o.registry);
  const logger = o.logger;
  const groups = new GroupCoordinator(o.log, o.groups, (namespace, groupId, generationId) => {
    metrics.rebalances.inc();
    logger.info({ namespace, group: groupId, generationId }, 'kafka group rebalanced');
  });
  const stopping = new AbortController();
  const settings: KafkaSettings = {
    nodeId: o.nodeId ?? 0,
    clusterId: o.clusterId ?? 'strata',
    namespace: o.namespace ?? 'default',
    autoCreateTopics: o.autoCreateTopics ?? true,
    defaultPartitions: o.defaultPartitions ?? 1,
    maxFetchWaitMs: o.maxFetchWaitMs ?? 30_000,
  };
  const advertisedHost = o.advertisedHost ?? (o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host);
  const ctx: KafkaContext = { log: o.log, groups, logger, settings, authenticate: o.authenticate, scramCredential: o.scramCredential, signal: stopping.signal, quotas: o.quotas };
  const connOpts = { maxRequestBytes: o.maxRequestBytes ?? 100 * 1024 * 1024, saslRequired: o.saslRequired ?? false, maxInFlight: o.maxInFlight ?? 64, idleMs: o.idleMs ?? 600_000 };
  const connections = new Set<KafkaConnection>();
  let nextId = 1;

  const onSocket = (advertised: Listener['advertised']) => (socket: Socket) => {
    const conn = new KafkaConnection(socket, nextId++, ctx, metrics, connOpts, advertised);
    connections.add(conn);
    metrics.connections.inc();
    logger.debug({ conn: conn.state.id, remote: socket.remoteAddress }, 'kafka client connected');
    socket.on('close', () => {
      connections.delete(conn);
      metrics.connections.dec();
    });
  };
  const plainAdvertised = { host: advertisedHost, port: o.advertisedPort ?? o.port };
  const listeners: Listener[] = [{ server: createServer(onSocket(plainAdvertised)), bindPort: o.port, fixedAdvertisedPort: o.advertisedPort, advertised: plainAdvertised }];
  let tlsListener: Listener | undefined;
  if (o.tls) {
    const advertised = { host: advertisedHost, port: o.tls.advertisedPort ?? o.tls.port };
    const server = createTlsServer(o.tls.options, onSocket(advertised));
    server.on('tlsClientError', (err) => logger.debug({ err }, 'kafka TLS handshake failed'));
    tlsListener = { server, bindPort: o.tls.port, fixedAdvertisedPort: o.tls.advertisedPort, advertised };
    listeners.push(tlsListener);
  }
  let port = o.port;
  let tlsPort: number | undefined;

  return {
    get port() {
      return port;
    },
    get tlsPort() {
      return tlsPort;
    },
    groups,
    async start() {
      port = await listen(listeners[0], o.host);
      if (tlsListener) tlsPort = await listen(tlsListener, o.host);
      return port;
    },
    revoke(user, namespace) {
      let n = 0;
      for (const c of connections) {
        if (c.state.user === user && c.state.namespace === namespace) {
          c.destroy();
          n++;
        }
      }
      if (n > 0) logger.info({ user, namespace, connections: n }, 'kafka connections of a revoked credential closed');
      return n;
    },
    async stop() {
      stopping.abort();
      const closed = listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
      for (const c of connections) c.destroy();
      groups.close();
      await Promise.all(closed);
    },
  };
}
