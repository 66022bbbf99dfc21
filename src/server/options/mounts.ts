import type { OptionSpec } from './types.js';

/** Mounted buckets and training batch reads (docs/training.md). */
export const MOUNT_OPTIONS = [
  {
    name: 'mountPollInterval',
    type: 'duration',
    group: 'mounts',
    default: 10_000,
    defaultDoc: '10s',
    min: 100,
    doc: 'How often each mount LISTs its source for new objects (every 6th poll lists the whole prefix to catch keys that sort earlier).',
  },
  {
    name: 'mountNotifications',
    type: 'enum',
    group: 'mounts',
    values: ['auto', 'off'],
    default: 'auto',
    doc: 'MinIO bucket notifications for `s3://` mounts: `auto` listens (ListenBucketNotification) so a new object appears within about a second and falls back to LIST polling where the endpoint cannot (AWS S3, `file://`, errors); `off` only polls. Polling at `mountPollInterval` stays on as a safety net either way.',
  },
  {
    name: 'mountCacheMemory',
    type: 'size',
    group: 'mounts',
    default: 512 * 1024 * 1024,
    defaultDoc: '512MiB',
    min: 0,
    doc: 'Memory tier of the cache that mounted-object reads go through (one cache per mount), so a second epoch is served from cache.',
  },
  {
    name: 'mountCacheSsd',
    type: 'size',
    group: 'mounts',
    default: 0,
    defaultDoc: '0 (off)',
    min: 0,
    doc: 'SSD tier budget of the mount read cache, under `<cacheDir>/mounts/`; 0 = memory only.',
  },
  {
    name: 'mountAllowedDirs',
    type: 'list',
    group: 'mounts',
    default: [],
    defaultDoc: '(none)',
    doc: 'Local directories that `file://` mounts may read (a mount must lie inside one). Empty = `file://` mounts are refused, so the HTTP API cannot expose the host filesystem.',
  },
  {
    name: 'mountSourceLatency',
    type: 'duration',
    group: 'mounts',
    default: 0,
    defaultDoc: '0',
    min: 0,
    doc: 'Benchmarks and tests only: latency injected into every request to mount sources (a seeded fault wrapper).',
  },
] as const satisfies readonly OptionSpec[];
