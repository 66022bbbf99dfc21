/**
 * The Kafka wire-protocol listener: a TCP server whose connections (network/connection.ts) decode
 * requests with the codec layer and answer them from the topic log and the group coordinator.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GroupCoordinator } from '../../broker/groups/coordinator.js';
import type { GroupConfig } from '../../broker/groups/types.js';
import type { TopicLog } from '../../log/types.js';
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
  nodeId?: number;
  clusterId?: string;
  namespace?: string;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  maxRequestBytes?: number;
  maxFetchWaitMs?: number;
  maxInFlight?: number;
  groups?: Partial<GroupConfig>;
  /** When set, SASL/PLAIN is offered; with saslRequired, unauthenticated requests close the connection. */
  authenticate?: KafkaContext['authenticate'];
  saslRequired?: boolean;
  registry?: Registry;
}

export interface KafkaServer {
  readonly port: number;
  readonly groups: GroupCoordinator;
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createKafkaServer(o: KafkaServerOptions): KafkaServer {
  const metrics = kafkaMetrics(o.registry, o.log);
  const logger = o.logger;
  const groups = new GroupCoordinator(o.log, o.groups, (namespace, groupId, generationId) => {
    metrics.rebalances.inc();
    logger.info({ namespace, group: groupId, generationId }, 'kafka group rebalanced');
  });
  const stopping = new AbortController();
  const settings: KafkaSettings = {
    nodeId: o.nodeId ?? 0,
    advertisedHost: o.advertisedHost ?? (o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host),
    advertisedPort: o.advertisedPort ?? o.port,
    clusterId: o.clusterId ?? 'strata',
    namespace: o.namespace ?? 'default',
    autoCreateTopics: o.autoCreateTopics ?? true,
    defaultPartitions: o.defaultPartitions ?? 1,
    maxFetchWaitMs: o.maxFetchWaitMs ?? 30_000,
  };
  const ctx: KafkaContext = { log: o.log, groups, logger, settings, authenticate: o.authenticate, signal: stopping.signal };
  const connOpts = { maxRequestBytes: o.maxRequestBytes ?? 100 * 1024 * 1024, saslRequired: o.saslRequired ?? false, maxInFlight: o.maxInFlight ?? 64 };
  const connections = new Set<KafkaConnection>();
  let nextId = 1;
  let port = o.port;
  const server: Server = createServer((socket: Socket) => {
    const conn = new KafkaConnection(socket, nextId++, ctx, metrics, connOpts);
    connections.add(conn);
    metrics.connections.inc();
    logger.debug({ conn: conn.state.id, remote: socket.remoteAddress }, 'kafka client connected');
    socket.on('close', () => {
      connections.delete(conn);
      metrics.connections.dec();
    });
  });

  return {
    get port() {
      return port;
    },
    groups,
    start() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => {
          server.off('error', reject);
          const a = server.address();
          port = typeof a === 'object' && a ? a.port : o.port;
          if (o.advertisedPort === undefined) settings.advertisedPort = port;
          resolve(port);
        });
      });
    },
    async stop() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of connections) c.destroy();
      groups.close();
      await closed;
    },
  };
}
