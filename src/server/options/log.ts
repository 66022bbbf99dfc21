import type { OptionSpec } from './types.js';

/** Topic log options (docs/reference/storage-format.md explains the WAL, compaction and fencing). */
export const LOG_OPTIONS = [
  {
    name: 'walLinger',
    type: 'duration',
    group: 'log',
    default: 50,
    defaultDoc: '50ms',
    min: 0,
    doc: 'Cadence of WAL writes: a WAL object (holding the appends of every partition) is started at most once per linger, so at most 1/linger PUTs per second; an append waits at most one linger, and none after a quiet spell.',
  },
  {
    name: 'walMaxBytes',
    type: 'size',
    group: 'log',
    default: 8 * 1024 * 1024,
    defaultDoc: '8MiB',
    min: 1024,
    doc: 'A WAL object is written as soon as this many bytes are buffered, before the linger ends.',
  },
  {
    name: 'maxInflightBytes',
    type: 'size',
    group: 'log',
    default: 64 * 1024 * 1024,
    defaultDoc: '64MiB',
    min: 1024,
    doc: 'Appended bytes not yet durable (all partitions); past it producers wait (backpressure), then get a retriable STRATA_ERR_BACKPRESSURE.',
  },
  {
    name: 'backpressureTimeout',
    type: 'duration',
    group: 'log',
    default: 10_000,
    defaultDoc: '10s',
    min: 0,
    doc: 'How long an append waits for in-flight bytes to drain before it fails with STRATA_ERR_BACKPRESSURE.',
  },
  {
    name: 'compactionInterval',
    type: 'duration',
    group: 'log',
    default: 60_000,
    defaultDoc: '1m',
    min: 0,
    doc: 'How often WAL objects are compacted into per-partition .seg objects and retention runs; 0 turns compaction off.',
  },
  {
    name: 'logTailCacheBytes',
    type: 'size',
    group: 'log',
    default: 64 * 1024 * 1024,
    defaultDoc: '64MiB',
    min: 0,
    doc: 'Newest WAL objects kept in process memory so tail reads (consumers keeping up) never GET.',
  },
] as const satisfies readonly OptionSpec[];
