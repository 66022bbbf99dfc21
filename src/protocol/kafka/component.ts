/**
 * The Kafka node component: the wire-protocol listener over the node's topic log. Users come from the
 * namespace registry and the users file shared with MQTT (SASL/PLAIN, SCRAM-SHA-256/512, see auth.ts);
 * with `allowAnonymous`, clients may also connect without SASL into `kafkaNamespace`.
 * Listed after the log component.
 */
import { readFileSync } from 'node:fs';
import { StrataError } from '../../errors.js';
import type { Component, NodeContext } from '../../server/context.js';
import { listenError } from '../../server/listen.js';
import { kafkaAuthOf } from './auth.js';
import { createKafkaServer, type KafkaServer } from './server.js';

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
        idleMs: config.kafkaIdleTimeout,
        groups: {
          initialRebalanceDelayMs: config.kafkaGroupInitialRebalanceDelay,
          minSessionTimeoutMs: config.kafkaGroupMinSessionTimeout,
          maxSessionTimeoutMs: config.kafkaGroupMaxSessionTimeout,
        },
        registry: ctx.metrics,
        quotas: ctx.tenants?.quotas,
        ...(await kafkaAuthOf(ctx)),
      });
      try {
        ctx.ports.kafka = await server.start();
        const s = server;
        ctx.tenants?.onRevoked((user, ns) => s.revoke(user, ns)); // a removed credential loses its connections
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
