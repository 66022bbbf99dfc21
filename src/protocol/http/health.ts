/**
 * GET /healthz — liveness: 200 while the process serves HTTP.
 * GET /readyz  — readiness: 200 when every component is ready, 503 naming the ones that are not.
 * GET /metrics — Prometheus text exposition of the process registry.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ComponentReadiness {
  ready: boolean;
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  components: Record<string, ComponentReadiness>;
}

export type ReadinessProbe = () => ReadinessReport;

export function registerHealthRoutes(app: FastifyInstance, opts: { registry: Registry; readiness: ReadinessProbe }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const report = opts.readiness();
    const failing = Object.entries(report.components).filter(([, c]) => !c.ready).map(([name]) => name);
    return reply.status(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', failing, components: report.components });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await opts.registry.metrics();
    return reply.header('content-type', opts.registry.contentType).send(text);
  });
}
