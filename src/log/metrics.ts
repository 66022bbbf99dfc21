/** strata_log_* metrics on the process registry (src/metrics/registry.ts). */
import type { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, SIZE_BUCKETS, counter, histogram, metricsRegistry } from '../metrics/registry.js';

export interface LogMetrics {
  appends: Counter;
  appendBytes: Counter;
  walFlushes: Counter;
  walRetries: Counter;
  flushBytes: Histogram;
  flushSeconds: Histogram;
  backpressure: Counter;
  compactions: Counter;
  compactedBytes: Counter;
  fenced: Counter;
  readBytes: Counter;
}

export function createLogMetrics(registry: Registry = metricsRegistry): LogMetrics {
  return {
    appends: counter({ name: 'strata_log_appends_total', help: 'Record batches appended (acknowledged as durable)' }, registry),
    appendBytes: counter({ name: 'strata_log_append_bytes_total', help: 'Bytes of record batches appended' }, registry),
    walFlushes: counter({ name: 'strata_log_wal_flushes_total', help: 'WAL objects written' }, registry),
    walRetries: counter({ name: 'strata_log_wal_put_retries_total', help: 'WAL PUTs retried after a failure' }, registry),
    flushBytes: histogram({ name: 'strata_log_wal_flush_bytes', help: 'Size of WAL objects written', buckets: SIZE_BUCKETS }, registry),
    flushSeconds: histogram({ name: 'strata_log_wal_flush_seconds', help: 'Time from flush start to durable and fence-checked', buckets: LATENCY_BUCKETS }, registry),
    backpressure: counter({ name: 'strata_log_backpressure_total', help: 'Appends that had to wait for in-flight bytes to drain' }, registry),
    compactions: counter({ name: 'strata_log_compactions_total', help: 'Compaction runs that wrote a checkpoint manifest' }, registry),
    compactedBytes: counter({ name: 'strata_log_compacted_bytes_total', help: 'Bytes written into .seg objects' }, registry),
    fenced: counter({ name: 'strata_log_fenced_total', help: 'Times this node found itself fenced by a newer writer' }, registry),
    readBytes: counter({ name: 'strata_log_read_bytes_total', help: 'Record batch bytes returned by reads' }, registry),
  };
}
