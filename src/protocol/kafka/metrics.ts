/** Kafka frontend metrics (docs/reference/metrics.md). Label values come from the fixed API table. */
import type { Registry } from 'prom-client';
import type { TopicLog } from '../../log/types.js';
import { counter, gauge, histogram, metricsRegistry } from '../../metrics/registry.js';

/** Groups looked at per scrape for the lag gauge (bounds the cost of a scrape). */
const MAX_LAG_GROUPS = 1000;

/** Committed-offset lag per group and topic, summed over partitions, computed at scrape time. */
async function collectLag(log: TopicLog, set: (labels: { namespace: string; group: string; topic: string }, lag: number) => void): Promise<void> {
  let seen = 0;
  for (const namespace of log.listNamespaces()) {
    for (const group of await log.listGroups(namespace)) {
      if (++seen > MAX_LAG_GROUPS) return;
      const byTopic = new Map<string, number>();
      for (const o of await log.fetchOffsets(namespace, group)) {
        const hwm = log.getTopic(namespace, o.topic)?.partitions[o.partition]?.highWatermark;
        if (hwm !== undefined && o.offset >= 0) byTopic.set(o.topic, (byTopic.get(o.topic) ?? 0) + Math.max(0, hwm - o.offset));
      }
      for (const [topic, lag] of byTopic) set({ namespace, group, topic }, lag);
    }
  }
}

export function kafkaMetrics(registry: Registry = metricsRegistry, log?: TopicLog) {
  return {
    lag: gauge(
      {
        name: 'strata_kafka_consumer_lag',
        help: 'Records between a group\'s committed offsets and the high watermarks, per topic (computed at scrape)',
        labelNames: ['namespace', 'group', 'topic'] as const,
        async collect() {
          this.reset();
          if (log) await collectLag(log, (labels, lag) => this.set(labels, lag)).catch(() => undefined);
        },
      },
      registry,
    ),
    requests: counter({ name: 'strata_kafka_requests_total', help: 'Kafka requests by API and version', labelNames: ['api', 'version'] as const }, registry),
    requestSeconds: histogram({ name: 'strata_kafka_request_seconds', help: 'Kafka request latency (receipt to response queued), by API', labelNames: ['api'] as const }, registry),
    bytes: counter({ name: 'strata_kafka_bytes_total', help: 'Kafka protocol bytes by direction (in, out)', labelNames: ['direction'] as const }, registry),
    rebalances: counter({ name: 'strata_kafka_group_rebalances_total', help: 'Consumer group rebalances completed (new generations)' }, registry),
    connections: gauge({ name: 'strata_kafka_connections', help: 'Open Kafka client connections' }, registry),
    errors: counter({ name: 'strata_kafka_protocol_errors_total', help: 'Kafka connections closed for a protocol error, by reason', labelNames: ['reason'] as const }, registry),
  };
}

export type KafkaMetrics = ReturnType<typeof kafkaMetrics>;
