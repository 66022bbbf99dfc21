/**
 * The Kafka node component: the wire-protocol listener over the node's topic log. Users come from the
 * same users file as MQTT (SASL/PLAIN); without one, clients connect anonymously into `kafkaNamespace`.
 * Listed after the log component.
 */
import { readFileSync } from 'node:fs';
import { UsersAuth } from '../../auth/users.js';
import { StrataError } from '../../errors.js';
import type { Component, NodeContext } from '../../server/context.js';
import { listenError } from '../../server/listen.js';
import type { KafkaContext } from './handlers/context.js';
import { createKafkaServer, type KafkaServer } from './server.js';

async function authOf(ctx: NodeContext): Promise<{ authenticate?: KafkaContext['authenticate']; saslRequired: boolean }> {
  const { config } = ctx;
  if (!config.usersFile) return { saslRequired: false };
  const users = new UsersAuth({ path: config.usersFile, allowAnonymous: config.allowAnonymous, defaultNamespace: config.kafkaNamespace });
  await users.load();
  return {
    saslRequired: !config.allowAnonymous,
    authenticate: async (_mechanism, user, password) => {
      const r = await users.authenticate({ clientId: '', username: user, password: Buffer.from(password, 'utf8') });
      return r.ok ? { namespace: r.namespace } : undefined;
    },
  };
}

export function kafkaComponent(): Component {
  let server: KafkaServer | undefined;
  return {
    name: 'kafka',
    async start(ctx: NodeContext) {
      const { config } = ctx;
      if (!config.kafkaEnabled) return;
      if (!ctx.log) throw new StrataError('STRATA_ERR_INTERNAL', 'kafka needs the log component');
      const logger = ctx.logger('kafka');
      let tls;
      if (config.kafkaTlsPort !== undefined) {
        if (!config.kafkaTlsCert || !config.kafkaTlsKey) throw new StrataError('STRATA_ERR_CONFIG_INVALID', 'kafkaTlsPort needs kafkaTlsCert and kafkaTlsKey');
        tls = { port: config.kafkaTlsPort, options: { cert: readFileSync(config.kafkaTlsCert), key: readFileSync(config.kafkaTlsKey) } };
      }
      server = createKafkaServer({
        tls,
        log: ctx.log,
        logger,
        host: config.host,
        port: config.kafkaPort,
        advertisedHost: config.kafkaAdvertisedHost,
        advertisedPort: config.kafkaAdvertisedPort,
        namespace: config.kafkaNamespace,
        autoCreateTopics: config.kafkaAutoCreateTopics,
        defaultPartitions: config.kafkaDefaultPartitions,
        maxRequestBytes: config.kafkaMaxRequestSize,
        groups: {
          initialRebalanceDelayMs: config.kafkaGroupInitialRebalanceDelay,
          minSessionTimeoutMs: config.kafkaGroupMinSessionTimeout,
          maxSessionTimeoutMs: config.kafkaGroupMaxSessionTimeout,
        },
        registry: ctx.metrics,
        ...(await authOf(ctx)),
      });
      try {
        ctx.ports.kafka = await server.start();
      } catch (err) {
        throw listenError('kafka', config.host, config.kafkaPort, err);
      }
      logger.info({ protocol: 'kafka', host: config.host, port: ctx.ports.kafka }, 'listening');
      if (server.tlsPort !== undefined) {
        ctx.ports.kafkas = server.tlsPort;
        logger.info({ protocol: 'kafkas', host: config.host, port: server.tlsPort }, 'listening');
      }
    },
    async stop() {
      await server?.stop();
    },
  };
}
