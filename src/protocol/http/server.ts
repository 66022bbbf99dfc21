/**
 * The HTTP frontend: a fastify app with health, readiness and metrics routes, the shared error shape, and
 * request metrics. Other modules contribute routes as registrars, e.g. `(app) => registerTopicRoutes(app, log)`.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counter, histogram, metricsRegistry } from '../../metrics/registry.js';
import { installHttpAuth, type HttpAuthOptions } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { registerHealthRoutes, type ReadinessProbe } from './health.js';
import { registerOpenApi } from './openapi.js';

export type RouteRegistrar = (app: FastifyInstance) => void | Promise<void>;

export interface HttpServerOptions {
  logger: Logger;
  registry?: Registry;
  routes?: readonly RouteRegistrar[];
  readiness: ReadinessProbe;
  /** Authentication and namespace isolation (auth.ts); absent = everything open. */
  auth?: HttpAuthOptions;
  /** Largest request body in bytes (default 16 MiB). */
  bodyLimit?: number;
}

/** Builds the app (not listening yet): call `app.listen({ host, port })`, then `app.close()` to stop. */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const registry = options.registry ?? metricsRegistry;
  const app = Fastify({
    loggerInstance: options.logger,
    // Per-request lines go out at debug level from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    forceCloseConnections: 'idle',
    ajv: {
      customOptions: {
        // `type: ['string', 'null']` is valid JSON Schema; Ajv's strict mode would warn on stderr.
        allowUnionTypes: true,
        logger: { log: (...a: unknown[]) => options.logger.debug({ ajv: a }, 'ajv'), warn: (...a: unknown[]) => options.logger.warn({ ajv: a }, 'schema warning'), error: (...a: unknown[]) => options.logger.error({ ajv: a }, 'schema error') },
      },
    },
  }) as unknown as FastifyInstance;

  const requests = counter({ name: 'strata_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'] }, registry);
  const duration = histogram({ name: 'strata_http_request_duration_seconds', help: 'HTTP request latency, by route', labelNames: ['method', 'route'] }, registry);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  installErrorHandlers(app, options.logger);
  if (options.auth) installHttpAuth(app, options.auth);
  await registerOpenApi(app);
  registerHealthRoutes(app, { registry, readiness: options.readiness });
  for (const registrar of options.routes ?? []) {
    await app.register(async (scope) => {
      await registrar(scope);
    });
  }
  await app.ready();
  return app;
}
