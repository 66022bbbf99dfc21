import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RouteRegistrar } from '../protocol/http/server.js';
import type { ComponentReadiness, ReadinessReport } from '../protocol/http/health.js';
import type { ObjectStore } from '../store/types.js';
import type { TopicLog } from '../log/types.js';
import type { CacheStatsSource } from '../metrics/cache.js';
import type { StrataConfig } from './options/index.js';
import type { TenantServices } from '../broker/tenants/types.js';
import type { LogWithExternalTopics } from '../log/external.js';

/**
 * What the components of one node share. A component's start() fills in what it provides (the store
 * component sets `store`; a log component would set its TopicLog) and reads what earlier ones provided.
 * Add fields here for what your component provides to later ones.
 */
export interface NodeContext {
  readonly config: StrataConfig;
  /** The root logger; use `logger(component)` for a component's child logger. */
  readonly rootLogger: Logger;
  logger(component: string): Logger;
  readonly metrics: Registry;
  /** Set by the 'store' component. */
  store?: ObjectStore;
  /** Set by the 'log' component (src/server/log-component.ts). */
  log?: TopicLog;
  /** Set by the 'log' component: where read-only external topics (mounted buckets) plug into `log`. */
  externalTopics?: LogWithExternalTopics;
  /** The log's tiered read cache, set by the 'log' component (read by GET /v1/cache/stats). */
  cache?: CacheStatsSource;
  /** Set by the 'tenants' component: namespace registry, credentials, quotas (src/broker/tenants). */
  tenants?: TenantServices;
  /** HTTP route registrars; components started before the HTTP listener push theirs here. */
  readonly httpRoutes: RouteRegistrar[];
  /** Actual bound port per protocol ('http', 'mqtt', 'kafka'), filled in by each listener. */
  readonly ports: Record<string, number>;
  /** Set when shutdown began; listeners should refuse new work. */
  readonly shuttingDown: boolean;
  /** Readiness of every component (what GET /readyz answers). */
  readiness(): ReadinessReport;
}

/** One piece of the node. Started in list order, stopped in reverse order. */
export interface Component {
  readonly name: string;
  start(ctx: NodeContext): Promise<void>;
  /** Stop accepting, flush what must be durable, release resources. Must tolerate a partial start. */
  stop(ctx: NodeContext): Promise<void>;
  /** Current readiness; default: ready once start() resolved and until stop() begins. */
  ready?(): ComponentReadiness;
}
