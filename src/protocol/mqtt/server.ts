/**
 * The MQTT frontend: accepts streams (TCP, TLS, WebSocket, in-memory), enforces the connection limit,
 * sweeps keep-alives once a second, and publishes $SYS statistics.
 */
import type { ScramLookup } from '../../auth/scram-lookup.js';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Broker } from '../../broker/mqtt/broker.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import { ALLOW_ALL, anonymous, type Authenticator, type Authorizer } from '../../auth/types.js';
import { MqttConnection, type ConnectionContext, type MqttLimits } from './connection.js';
import { MqttMetrics } from './metrics.js';
import { startSys } from './sys.js';

export const DEFAULT_LIMITS: MqttLimits = {
  maxPacketSize: 1024 * 1024,
  receiveMaximum: 1024,
  maxInflight: 1024,
  topicAliasMaximum: 64,
  maxKeepAlive: 0,
  maxTopicLength: 65535,
  connectTimeoutMs: 10_000,
  maxWriteBuffer: 16 * 1024 * 1024,
  responseInformation: '',
};

export interface MqttServerOptions {
  broker: Broker;
  logger: Logger;
  registry?: Registry;
  limits?: Partial<MqttLimits>;
  maxConnections?: number;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  /** Stored SCRAM keys for MQTT 5 enhanced authentication; undefined = no authentication method offered. */
  scram?: ScramLookup;
  /** Per-namespace quotas (connections, rates, stored bytes); undefined = none. */
  quotas?: QuotaEnforcer;
  metrics?: MqttMetrics;
  /** $SYS publish interval in ms; 0 disables. Default 10 s. */
  sysIntervalMs?: number;
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address.startsWith('127.') || address === '::1' || address === '::ffff:127.0.0.1');
}

export class MqttServer {
  /** Connections past CONNECT. */
  readonly connections = new Set<MqttConnection>();
  /** Every stream being served, also before CONNECT (for shutdown). */
  private readonly all = new Set<MqttConnection>();
  readonly metrics: MqttMetrics;
  readonly ctx: ConnectionContext;
  private readonly listeners: Server[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private readonly stopSys: () => void;
  private readonly maxConnections: number;
  private streams = 0;
  readonly startedAt = Date.now();

  constructor(readonly options: MqttServerOptions) {
    this.metrics = options.metrics ?? new MqttMetrics(options.registry);
    this.maxConnections = options.maxConnections ?? 100_000;
    this.ctx = {
      broker: options.broker,
      logger: options.logger,
      metrics: this.metrics,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      authenticator: options.authenticator ?? anonymous(),
      authorizer: options.authorizer ?? ALLOW_ALL,
      ...(options.scram ? { scram: options.scram } : {}),
      quotas: options.quotas,
      onOpen: (c) => {
        this.connections.add(c);
        this.metrics.connections = this.connections.size;
      },
      onClose: (c) => {
        this.streams--;
        this.all.delete(c);
        this.connections.delete(c);
        this.metrics.connections = this.connections.size;
      },
    };
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections) c.checkKeepAlive(now);
    }, 500);
    this.sweeper.unref();
    this.stopSys = startSys(this, options.sysIntervalMs ?? 10_000);
  }

  /** Serves one already-open stream (any Duplex). */
  handle(stream: Duplex, remote: { address?: string; cn?: string } = {}): MqttConnection | undefined {
    if (this.streams >= this.maxConnections) {
      this.options.logger.warn({ max: this.maxConnections }, 'connection limit reached; refusing');
      stream.destroy();
      return undefined;
    }
    this.streams++;
    const c = new MqttConnection(stream, this.ctx, { address: remote.address, loopback: isLoopback(remote.address), cn: remote.cn });
    this.all.add(c);
    return c;
  }

  private onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    this.handle(socket, { address: socket.remoteAddress });
  };

  async listen(port: number, host: string): Promise<number> {
    const server = createServer(this.onSocket);
    return this.bind(server, port, host);
  }

  async listenTls(port: number, host: string, tls: TlsOptions): Promise<number> {
    const server = createTlsServer(tls, (socket: TLSSocket) => {
      socket.setNoDelay(true);
      const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
      const cn = cert?.subject?.CN;
      this.handle(socket, { address: socket.remoteAddress, cn: Array.isArray(cn) ? cn[0] : cn });
    });
    return this.bind(server, port, host);
  }

  private bind(server: Server, port: number, host: string): Promise<number> {
    this.listeners.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  /**
   * Closes the connections that logged in as `user` of `namespace` (a revoked credential): v5 clients get
   * DISCONNECT 0x98 Administrative action. Returns how many.
   */
  revoke(user: string, namespace: string): number {
    let n = 0;
    for (const c of [...this.all]) {
      if (c.identity?.user === user && c.identity.namespace === namespace) {
        c.protocolClose(0x98, 'credential revoked');
        n++;
      }
    }
    if (n > 0) this.options.logger.info({ user, namespace, connections: n }, "mqtt connections of a revoked credential closed");
    return n;
  }

  /** Stops accepting, tells v5 clients the server is shutting down, closes every connection. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.stopSys();
    // stop accepting first; net.Server.close() resolves only once every connection is gone
    const closed = Promise.all(this.listeners.map((s) => new Promise<void>((r) => s.close(() => r()))));
    // v5 clients get DISCONNECT 0x8B; every stream is destroyed at most 1 s later (destroyLater)
    for (const c of [...this.all]) c.protocolClose(0x8b, 'server shutting down');
    await closed;
    this.metrics.close();
  }
}
