/**
 * The node component for mounted buckets and training batch reads: opens the mount registry on the node's
 * store, wraps every mount source in a TieredCache (so epoch 2 is served from cache, and epoch iterators
 * prefetch through cache.hint), and contributes the /mounts, /batch and /epoch-batches routes.
 * Start it after the store (and log, when present) and before the HTTP listener.
 */
import { mountTopics } from './topics.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TieredCache } from '../../../cache/index.js';
import type { TopicLog } from '../../log/types.js';
import { registerBatchRoutes } from '../../protocol/http/batch.js';
import { registerMountRoutes } from '../../protocol/http/mounts.js';
import type { Component, NodeContext } from '../../server/context.js';
import { createObjectStore } from '../../store/index.js';
import { Keys } from '../../store/keys.js';
import type { ObjectStore } from '../../store/types.js';
import { BatchService } from '../batch/service.js';
import { minioWatch } from './minio-watch.js';
import { MountRegistry } from './registry.js';
import type { ParsedSource } from './source.js';
import { unsupportedWatch, type StartWatch } from './watch.js';
import type { MountSpec, RangeReader } from './types.js';

export function mountsComponent(): Component {
  let registry: MountRegistry | undefined;
  return {
    name: 'mounts',
    async start(ctx: NodeContext) {
      const logger = ctx.logger('mounts');
      const c = ctx.config;
      const fault = c.mountSourceLatency > 0 ? { latencyMs: c.mountSourceLatency } : undefined;
      const log: TopicLog | undefined = ctx.log;
      const openS3 = (bucket: string): Promise<ObjectStore> =>
        createObjectStore(
          { type: 's3', bucket, endpoint: c.s3Endpoint, region: c.s3Region, forcePathStyle: c.s3ForcePathStyle, accessKeyId: c.s3AccessKeyId, secretAccessKey: c.s3SecretAccessKey, fault },
          logger,
          { metrics: false },
        );
      const readerFor = (store: ObjectStore, _source: ParsedSource, spec: MountSpec): RangeReader => {
        // one cache (and SSD directory) per mount
        const id = createHash('sha256').update(`${spec.namespace}\0${spec.topic}\0${spec.source}\0${spec.createdAt}`).digest('hex').slice(0, 16);
        const cache = new TieredCache(store, {
          memoryBytes: c.mountCacheMemory,
          ...(c.mountCacheSsd > 0 ? { ssd: { dir: join(c.cacheDir, 'mounts', id), bytes: c.mountCacheSsd, admission: c.cacheSsdAdmission } } : {}),
          logger,
        });
        return cache;
      };
      // MinIO bucket notifications (issue #7): only an S3 endpoint with static credentials can listen
      const watchFor = (source: ParsedSource): StartWatch | undefined => {
        if (c.mountNotifications === 'off') return undefined;
        if (source.kind === 'file') return unsupportedWatch('file:// sources have no bucket notifications');
        if (!c.s3Endpoint) return unsupportedWatch('AWS S3 has no listen API (its notifications go to SQS/SNS/EventBridge)');
        if (!c.s3AccessKeyId || !c.s3SecretAccessKey) return unsupportedWatch('the listen API needs static S3 credentials (s3AccessKeyId, s3SecretAccessKey)');
        const config = { endpoint: c.s3Endpoint, region: c.s3Region ?? 'us-east-1', accessKeyId: c.s3AccessKeyId, secretAccessKey: c.s3SecretAccessKey, pathStyle: c.s3ForcePathStyle };
        return minioWatch(config, source.bucket, source.prefix);
      };
      registry = new MountRegistry({
        store: ctx.store!,
        keys: new Keys(),
        openS3,
        readerFor,
        topicExists: (ns, topic) => log?.getTopic(ns, topic) !== undefined,
        logger,
        mount: { pollIntervalMs: c.mountPollInterval, notifications: c.mountNotifications, metrics: ctx.metrics },
        watchFor,
        allowedDirs: c.mountAllowedDirs,
      });
      await registry.start();
      const batches = new BatchService({ log, mounts: registry, logger });
      const mounts = registry;
      ctx.externalTopics?.attach(mountTopics(registry, batches)); // mounts are read-only topics for Kafka and HTTP too
      ctx.httpRoutes.push((app) => registerMountRoutes(app, mounts));
      ctx.httpRoutes.push((app) => registerBatchRoutes(app, { batches }));
      logger.info({ mounts: registry.list().length }, 'mounts ready');
    },
    async stop() {
      await registry?.close(); // closes every mount's cache too
    },
  };
}
