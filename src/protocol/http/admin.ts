/**
 * Admin endpoints (docs/reference/http-api.md "Admin"), used by the `strata` admin CLI (src/cli/):
 *   GET /v1/status                              version, uptime, readiness per component, bound listeners
 *   GET /v1/namespaces/:ns/groups               { groups: [{ name, partitions, totalLag }] }
 *   GET /v1/namespaces/:ns/groups/:group        committed offsets with per-partition lag (GroupLag)
 *   GET /v1/cache/stats                         TieredCache.stats() of this node's log cache
 */
import type { FastifyInstance } from 'fastify';
import { StrataError } from '../../errors.js';
import type { TopicLog } from '../../log/types.js';
import type { CacheStatsSource } from '../../metrics/cache.js';
import { groupLag } from '../../metrics/consumer-lag.js';
import { VERSION } from '../../server/version.js';
import type { ReadinessReport } from './health.js';

/** What the admin routes read; a NodeContext satisfies it. */
export interface AdminSource {
  readonly log?: TopicLog;
  readonly cache?: CacheStatsSource;
  readonly ports: Readonly<Record<string, number>>;
  readiness(): ReadinessReport;
}

export interface StatusBody {
  version: string;
  nodeVersion: string;
  pid: number;
  /** Seconds since the process started. */
  uptimeSeconds: number;
  startedAt: string;
  ready: boolean;
  components: ReadinessReport['components'];
  /** Bound port per protocol. */
  listeners: Record<string, number>;
}

const name = { type: 'string', minLength: 1, maxLength: 249 } as const;
const nsParams = { type: 'object', required: ['ns'], properties: { ns: name } } as const;
const groupParams = { type: 'object', required: ['ns', 'group'], properties: { ns: name, group: { type: 'string', minLength: 1 } } } as const;

function needLog(src: AdminSource): TopicLog {
  if (!src.log) throw new StrataError('STRATA_ERR_COMPONENT_NOT_RUNNING', 'the topic log is not running on this node', { details: { component: 'log' } });
  return src.log;
}

export function statusOf(src: AdminSource): StatusBody {
  const report = src.readiness();
  const uptime = process.uptime();
  return {
    version: VERSION,
    nodeVersion: process.version,
    pid: process.pid,
    uptimeSeconds: Math.round(uptime * 10) / 10,
    startedAt: new Date(Date.now() - uptime * 1000).toISOString(),
    ready: report.ready,
    components: report.components,
    listeners: { ...src.ports },
  };
}

export function registerAdminRoutes(app: FastifyInstance, src: AdminSource): void {
  app.get('/v1/status', async () => statusOf(src));

  app.get<{ Params: { ns: string } }>('/v1/namespaces/:ns/groups', { schema: { params: nsParams } }, async (request) => {
    const log = needLog(src);
    const { ns } = request.params;
    const names = (await log.listGroups(ns)).sort();
    const groups = [];
    for (const g of names) {
      const lag = await groupLag(log, ns, g);
      groups.push({ name: g, partitions: lag.partitions.length, topics: [...new Set(lag.partitions.map((p) => p.topic))], totalLag: lag.totalLag });
    }
    return { groups };
  });

  app.get<{ Params: { ns: string; group: string } }>('/v1/namespaces/:ns/groups/:group', { schema: { params: groupParams } }, async (request) => {
    const log = needLog(src);
    const { ns, group } = request.params;
    const lag = await groupLag(log, ns, group);
    if (lag.partitions.length === 0 && !(await log.listGroups(ns)).includes(group)) {
      throw new StrataError('STRATA_ERR_GROUP_NOT_FOUND', `group ${ns}/${group} has no committed offsets`, { details: { namespace: ns, group } });
    }
    return lag;
  });

  app.get('/v1/cache/stats', async () => {
    if (!src.cache) throw new StrataError('STRATA_ERR_COMPONENT_NOT_RUNNING', 'this node runs no tiered cache', { details: { component: 'cache' } });
    return { cache: 'log', stats: src.cache.stats() };
  });
}
