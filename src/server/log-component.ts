/**
 * The topic-log component: opens the TopicLog on the node's object store (recovering from manifest +
 * WAL), with a tiered read cache under <cacheDir>/log, and contributes the topic/record HTTP routes.
 */
import { LogWithExternalTopics } from '../log/external.js';
import { join } from 'node:path';
import { TieredCache } from '../../cache/index.js';
import { openTopicLog, type OpenedTopicLog } from '../log/index.js';
import { registerTopicRoutes } from '../protocol/http/topics.js';
import type { Component } from './context.js';
import { bindCacheMetrics } from '../metrics/cache.js';
import { bindConsumerLagMetric } from '../metrics/consumer-lag.js';

/**
 * 8 MiB blocks: a consumer catching up reads segments front to back, and each GET costs the store a fixed
 * amount of work (MinIO: a request, a bitrot check per shard); 8 MiB halves the GETs of the cache's 4 MiB
 * default (bench/log-catchup.ts: 0.65× → 0.95× of raw 8 MiB GETs on MinIO). WAL objects are smaller than a
 * block, so a block is a whole WAL object there.
 */
const LOG_CACHE_BLOCK = 8 * 1024 * 1024;

export function logComponent(): Component {
  let log: OpenedTopicLog | undefined;
  let cache: TieredCache | undefined;
  const unbind: Array<() => void> = [];
  return {
    name: 'log',
    async start(ctx) {
      if (!ctx.store) throw new Error('the log component needs the store component');
      const logger = ctx.logger('log');
      const c = ctx.config;
      cache = new TieredCache(ctx.store, {
        memoryBytes: c.cacheMemory,
        blockSize: LOG_CACHE_BLOCK,
        ...(c.cacheSsd > 0 ? { ssd: { dir: join(c.cacheDir, 'log'), bytes: c.cacheSsd, admission: c.cacheSsdAdmission } } : {}),
        logger,
      });
      await cache.ready();
      logger.info({ memoryBytes: c.cacheMemory, ssdBytes: c.cacheSsd }, 'topic log cache');
      log = await openTopicLog({
        store: ctx.store,
        cache,
        logger,
        config: {
          walLingerMs: c.walLinger,
          walFlushBytes: c.walFlushBytes,
          walMaxBytes: c.walMaxBytes,
          writerLeaseMs: c.writerLease,
          maxInflightBytes: c.maxInflightBytes,
          backpressureTimeoutMs: c.backpressureTimeout,
          compactionIntervalMs: c.compactionInterval,
          tailCacheBytes: c.logTailCacheBytes,
        },
      });
      // mounted buckets join the same topic namespace as read-only topics (src/log/external.ts)
      const withMounts = new LogWithExternalTopics(log);
      ctx.log = withMounts;
      ctx.externalTopics = withMounts;
      ctx.cache = cache;
      unbind.push(bindCacheMetrics(cache, ctx.metrics), bindConsumerLagMetric(log, ctx.metrics)); // strata_cache_*, strata_consumer_lag_records
      const opened = withMounts;
      // registrars run when the HTTP listener starts, after the tenants component set ctx.tenants
      ctx.httpRoutes.push((app) => registerTopicRoutes(app, opened, ctx.tenants?.quotas));
    },
    async stop() {
      for (const u of unbind.splice(0)) u();
      await log?.close();
      await cache?.close();
    },
    ready() {
      return log?.fenced ? { ready: false, reason: 'fenced: another node took over writing' } : { ready: true };
    },
  };
}
