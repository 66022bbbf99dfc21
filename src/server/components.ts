/**
 * The node's components in dependency order: store → (cache → log: added by their owners) → listeners.
 * To plug in a component, write a factory returning a Component (see context.ts) and add it to the list.
 * Listeners come last so nothing accepts traffic before what it needs is ready; shutdown runs in reverse,
 * so listeners stop accepting first and the store closes last.
 */
import type { FastifyInstance } from 'fastify';
import { mountsComponent } from '../broker/mounts/component.js';
import { createHttpServer } from '../protocol/http/server.js';
import { registerAdminRoutes } from '../protocol/http/admin.js';
import { createObjectStore } from '../store/index.js';
import type { Component, NodeContext } from './context.js';
import { listenError } from './listen.js';
import { logComponent } from './log-component.js';
import { mqttComponent } from '../protocol/mqtt/component.js';
import { kafkaComponent } from '../protocol/kafka/component.js';
import { storeConfigOf } from './store-config.js';
import { tenantsComponent } from '../broker/tenants/component.js';
import { httpAuthOf } from './http-auth.js';

export function storeComponent(): Component {
  return {
    name: 'store',
    async start(ctx) {
      const logger = ctx.logger('store');
      const store = await createObjectStore(storeConfigOf(ctx.config), logger, { metrics: ctx.metrics });
      ctx.store = store;
      await store.check();
      logger.info({ kind: store.kind, location: store.location }, 'object store ready');
    },
    async stop(ctx) {
      await ctx.store?.close();
    },
  };
}

export function httpComponent(): Component {
  let app: FastifyInstance | undefined;
  return {
    name: 'http',
    async start(ctx) {
      const logger = ctx.logger('http');
      app = await createHttpServer({ logger, registry: ctx.metrics, auth: await httpAuthOf(ctx), routes: [...ctx.httpRoutes, (a) => registerAdminRoutes(a, ctx)], readiness: () => ctx.readiness() });
      const { host, httpPort } = ctx.config;
      try {
        await app.listen({ host, port: httpPort });
      } catch (err) {
        throw listenError('http', host, httpPort, err);
      }
      const address = app.server.address();
      ctx.ports.http = typeof address === 'object' && address ? address.port : httpPort;
      logger.info({ protocol: 'http', host, port: ctx.ports.http }, 'listening');
    },
    async stop() {
      await app?.close();
    },
  };
}

/** The node's components, in start order. */
export function buildComponents(): Component[] {
  return [
    storeComponent(),
    logComponent(),
    tenantsComponent(), // namespace registry, credentials, quotas (src/broker/tenants); before every listener
    // cache and log components go here
    // MQTT and Kafka listeners go here (before or after http; all listeners come after the log)
    mqttComponent(),
    kafkaComponent(),
    mountsComponent(), // mounted buckets + batch reads (src/broker/mounts/component.ts); keep after the log, before http
    httpComponent(),
  ];
}

export type { NodeContext };
