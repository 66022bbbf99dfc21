/** Kafka frontend metrics (docs/reference/kafka.md, "Metrics"). Label values come from the fixed API table. */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram, metricsRegistry } from '../../metrics/registry.js';

/** Consumer lag is exported by the log component for every group (strata_consumer_lag_records). */
export function kafkaMetrics(registry: Registry = metricsRegistry) {
  return {
    requests: counter({ name: 'strata_kafka_requests_total', help: 'Kafka requests by API and version', labelNames: ['api', 'version'] as const }, registry),
    requestSeconds: histogram({ name: 'strata_kafka_request_seconds', help: 'Kafka request latency (receipt to response queued), by API', labelNames: ['api'] as const }, registry),
    bytes: counter({ name: 'strata_kafka_bytes_total', help: 'Kafka protocol bytes by direction (in, out)', labelNames: ['direction'] as const }, registry),
    rebalances: counter({ name: 'strata_kafka_group_rebalances_total', help: 'Consumer group rebalances completed (new generations)' }, registry),
    connections: gauge({ name: 'strata_kafka_connections', help: 'Open Kafka client connections' }, registry),
    errors: counter({ name: 'strata_kafka_protocol_errors_total', help: 'Kafka connections closed for a protocol error, by reason', labelNames: ['reason'] as const }, registry),
  };
}

export type KafkaMetrics = ReturnType<typeof kafkaMetrics>;
