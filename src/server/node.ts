/**
 * A Strata node: starts its components in order (components.ts), answers readiness, and stops them in
 * reverse order. If a component fails to start, the ones already started are stopped and the error is
 * rethrown (the CLI prints it as one line and exits 2).
 */
import type { Logger } from 'pino';
import { toStrataError } from '../errors.js';
import { initProcessMetrics, metricsRegistry } from '../metrics/registry.js';
import type { ComponentReadiness, ReadinessReport } from '../protocol/http/health.js';
import { buildComponents } from './components.js';
import type { Component, NodeContext } from './context.js';
import { componentLogger } from './logger.js';
import type { StrataConfig } from './options/index.js';

export interface StrataNode {
  readonly context: NodeContext;
  /** Bound port per protocol. */
  readonly ports: Readonly<Record<string, number>>;
  readiness(): ReadinessReport;
  /** Graceful stop: refuse new work, stop components in reverse order. Idempotent. */
  stop(): Promise<void>;
}

export interface StartNodeOptions {
  /** Replace the component list (tests). */
  components?: Component[];
}

export async function startNode(config: StrataConfig, logger: Logger, options: StartNodeOptions = {}): Promise<StrataNode> {
  initProcessMetrics();
  const components = options.components ?? buildComponents();
  const state = new Map<string, 'starting' | 'started' | 'stopping' | 'stopped'>();
  let shuttingDown = false;
  const serverLog = componentLogger(logger, 'server');

  const readiness = (): ReadinessReport => {
    const report: Record<string, ComponentReadiness> = {};
    for (const c of components) {
      const s = state.get(c.name);
      if (shuttingDown) report[c.name] = { ready: false, reason: 'shutting down' };
      else if (s !== 'started') report[c.name] = { ready: false, reason: s ?? 'not started' };
      else report[c.name] = c.ready?.() ?? { ready: true };
    }
    return { ready: Object.values(report).every((r) => r.ready), components: report };
  };

  const ctx: NodeContext = {
    config,
    rootLogger: logger,
    logger: (component) => componentLogger(logger, component),
    metrics: metricsRegistry,
    httpRoutes: [],
    ports: {},
    get shuttingDown() {
      return shuttingDown;
    },
    readiness,
  };

  const started: Component[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of [...started].reverse()) {
      state.set(c.name, 'stopping');
      const t0 = Date.now();
      try {
        await c.stop(ctx);
        serverLog.info({ name: c.name, ms: Date.now() - t0 }, 'stopped');
      } catch (err) {
        serverLog.error({ err: toStrataError(err).toJSON(), name: c.name }, 'stop failed');
      }
      state.set(c.name, 'stopped');
    }
    started.length = 0;
  };

  for (const c of components) {
    state.set(c.name, 'starting');
    started.push(c);
    try {
      await c.start(ctx);
    } catch (err) {
      shuttingDown = true;
      await stopAll();
      throw err;
    }
    state.set(c.name, 'started');
  }
  serverLog.info({ ports: ctx.ports, store: ctx.store?.location }, 'started');

  let stopping: Promise<void> | undefined;
  return {
    context: ctx,
    ports: ctx.ports,
    readiness,
    stop() {
      shuttingDown = true;
      stopping ??= stopAll();
      return stopping;
    },
  };
}
