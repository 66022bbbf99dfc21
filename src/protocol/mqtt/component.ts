/**
 * The MQTT node component: broker over the topic log (log-persistence), authentication from the users
 * file, TCP/TLS listeners and WebSocket on the HTTP port. Listed after the log and before HTTP.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Broker, type LogTopicRule } from '../../broker/mqtt/broker.js';
import { LogPersistence } from '../../broker/mqtt/log-persistence.js';
import { ALLOW_ALL, anonymous, type Authenticator, type Authorizer } from '../../auth/types.js';
import { jwtAuthenticator, jwtConfigured, tokenAclAuthorizer } from '../../auth/jwt.js';
import { UsersAuth } from '../../auth/users.js';
import { tenantAuthenticator } from '../../broker/tenants/auth.js';
import { scramLookup, type ScramLookup } from '../../auth/scram-lookup.js';
import type { TenantServices } from '../../broker/tenants/types.js';
import { StrataError } from '../../errors.js';
import { openTopicLog, type OpenedTopicLog } from '../../log/index.js';
import type { TopicLog } from '../../log/types.js';
import { Keys } from '../../store/keys.js';
import type { Component, NodeContext } from '../../server/context.js';
import type { StrataConfig } from '../../server/options/index.js';
import { listenError } from '../../server/listen.js';
import { MqttMetrics } from './metrics.js';
import { MqttServer } from './server.js';
import { attachWebSocket } from './websocket.js';
import { AgentGateway } from '../../broker/agents/gateway.js';
import { registerAgentRoutes } from '../http/agents.js';

export function parseLogTopics(entries: readonly string[]): LogTopicRule[] {
  return entries.map((e) => {
    const i = e.lastIndexOf('=');
    if (i <= 0 || i === e.length - 1) throw new StrataError('STRATA_ERR_CONFIG_INVALID', `mqttLogTopics entry "${e}" is not filter=logTopic`);
    return { filter: e.slice(0, i), topic: e.slice(i + 1) };
  });
}

/**
 * Registry credentials (namespaces as tenants, src/broker/tenants) first, then JWT passwords, then the
 * users file / certificates / anonymous. Rules carried by the identity (a JWT's or a credential's ACL) decide first.
 */
async function authOf(config: StrataConfig, logger: Logger, tenants: TenantServices | undefined): Promise<{ authenticator: Authenticator; authorizer: Authorizer; scram?: ScramLookup }> {
  const base = await baseAuthOf(config, logger);
  const jwt = { secret: config.mqttJwtSecret, publicKeyFile: config.mqttJwtPublicKey, jwksFile: config.mqttJwksFile, issuer: config.mqttJwtIssuer, audience: config.mqttJwtAudience };
  const authenticator = jwtConfigured(jwt) ? jwtAuthenticator(jwt, base.authenticator) : base.authenticator;
  const scram = scramLookup(tenants, base.users); // MQTT 5 enhanced authentication (SCRAM-SHA-256/512)
  return { authenticator: tenantAuthenticator(tenants, authenticator), authorizer: tokenAclAuthorizer(base.authorizer ?? ALLOW_ALL), ...(scram ? { scram } : {}) };
}

async function baseAuthOf(config: StrataConfig, logger: Logger): Promise<{ authenticator: Authenticator; authorizer?: Authorizer; users?: UsersAuth }> {
  if (config.usersFile) {
    const users = new UsersAuth({ path: config.usersFile, allowAnonymous: config.allowAnonymous });
    await users.load();
    return { authenticator: users, authorizer: users, users };
  }
  if (config.allowAnonymous) return { authenticator: anonymous() };
  if (!config.mqttJwtSecret && !config.mqttJwtPublicKey && !config.mqttJwksFile) logger.warn('MQTT: no usersFile, no JWT keys and allowAnonymous=false: only namespace-registry credentials and trusted certificates are accepted');
  return { authenticator: { authenticate: async (r) => (r.certificate?.subjectCN ? { ok: true, user: r.certificate.subjectCN, namespace: 'default' } : { ok: false, reason: 'not_authorized' }) } };
}

export function mqttComponent(): Component {
  let server: MqttServer | undefined;
  let broker: Broker | undefined;
  let ownLog: OpenedTopicLog | undefined;
  let detachWs: (() => void) | undefined;
  let agents: AgentGateway | undefined;
  return {
    name: 'mqtt',
    async start(ctx: NodeContext) {
      const { config } = ctx;
      if (!config.mqttEnabled) return;
      const logger = ctx.logger('mqtt');
      if (!ctx.store) throw new StrataError('STRATA_ERR_INTERNAL', 'mqtt needs the store component');
      const keys = new Keys();
      let log: TopicLog | undefined = ctx.log;
      if (!log) log = ownLog = await openTopicLog({ store: ctx.store, keys, logger: ctx.logger('log') });
      const metrics = new MqttMetrics(ctx.metrics);
      broker = new Broker({
        persistence: new LogPersistence({ store: ctx.store, keys, log, logger }),
        logger,
        metrics,
        maxQueuedMessages: config.mqttMaxQueuedMessages,
        maxSessionExpiry: config.mqttMaxSessionExpiry,
        logTopics: parseLogTopics(config.mqttLogTopics),
      });
      await broker.start();
      server = new MqttServer({
        broker,
        logger,
        metrics,
        maxConnections: config.mqttMaxConnections,
        quotas: ctx.tenants?.quotas,
        sysIntervalMs: config.mqttSysInterval,
        limits: {
          maxPacketSize: config.mqttMaxPacketSize,
          receiveMaximum: config.mqttReceiveMaximum,
          maxInflight: config.mqttMaxInflight,
          topicAliasMaximum: config.mqttTopicAliasMaximum,
          maxKeepAlive: config.mqttMaxKeepAlive,
          maxTopicLength: config.mqttMaxTopicLength,
          responseInformation: config.mqttResponseInformation,
        },
        ...(await authOf(config, logger, ctx.tenants)),
      });
      const { host } = config;
      try {
        ctx.ports.mqtt = await server.listen(config.mqttPort, host);
        const s = server;
        ctx.tenants?.onRevoked((user, ns) => s.revoke(user, ns)); // a removed credential loses its connections
      } catch (err) {
        throw listenError('mqtt', host, config.mqttPort, err);
      }
      logger.info({ protocol: 'mqtt', host, port: ctx.ports.mqtt }, 'listening');
      if (config.mqttTlsPort !== undefined) {
        if (!config.mqttTlsCert || !config.mqttTlsKey) throw new StrataError('STRATA_ERR_CONFIG_INVALID', 'mqttTlsPort needs mqttTlsCert and mqttTlsKey');
        const tls = {
          cert: readFileSync(config.mqttTlsCert),
          key: readFileSync(config.mqttTlsKey),
          ...(config.mqttTlsCa ? { ca: readFileSync(config.mqttTlsCa), requestCert: true, rejectUnauthorized: config.mqttTlsRequireClientCert } : {}),
        };
        try {
          ctx.ports.mqtts = await server.listenTls(config.mqttTlsPort, host, tls);
        } catch (err) {
          throw listenError('mqtts', host, config.mqttTlsPort, err);
        }
        logger.info({ protocol: 'mqtts', host, port: ctx.ports.mqtts }, 'listening');
      }
      // Agent channels over HTTP (docs/agents.md): list cards, requests that wait for the reply.
      const gateway = (agents = new AgentGateway(broker, ctx.logger('agents')));
      ctx.httpRoutes.push((app) => registerAgentRoutes(app, gateway, ctx.tenants?.quotas));
      if (config.mqttWsPath) {
        const s = server;
        ctx.httpRoutes.push((app) => {
          detachWs = attachWebSocket(app.server, config.mqttWsPath, s, config.mqttMaxPacketSize + 8);
        });
      }
    },
    async stop() {
      detachWs?.();
      await agents?.close();
      await server?.close();
      await broker?.stop();
      await ownLog?.close();
    },
  };
}
