/**
 * Consumer lag: for each committed offset of a group, lag = partition high watermark − committed offset
 * (records the group has not consumed yet; Kafka's definition, as kafka-consumer-groups.sh prints it).
 *
 *   strata_consumer_lag_records{namespace,group,topic,partition}   computed at scrape time
 *
 * Scrapes read group offsets through the TopicLog (one LIST per namespace, one GET per group on a cold
 * group cache), so the result is reused for `minIntervalMs` (default 5 s) between scrapes.
 */
import type { Registry } from 'prom-client';
import type { GroupOffset, TopicLog } from '../log/types.js';
import { gauge, metricsRegistry } from './registry.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read (Kafka semantics); −1 when none is committed. */
  committedOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** highWatermark − committedOffset (≥ 0); null when the topic/partition is gone or nothing is committed. */
  lag: number | null;
  metadata?: string | null;
}

export interface GroupLag {
  namespace: string;
  group: string;
  partitions: PartitionLag[];
  /** Sum of the known per-partition lags. */
  totalLag: number;
}

/** Lag of each committed offset, computed from the log's current high watermarks. */
export function lagOf(log: TopicLog, namespace: string, offsets: readonly GroupOffset[]): PartitionLag[] {
  const out: PartitionLag[] = [];
  for (const o of offsets) {
    const p = log.getTopic(namespace, o.topic)?.partitions.find((x) => x.partition === o.partition);
    const committed = o.offset;
    const lag = p && committed >= 0 ? Math.max(0, p.highWatermark - committed) : null;
    out.push({
      topic: o.topic,
      partition: o.partition,
      committedOffset: committed,
      highWatermark: p?.highWatermark ?? -1,
      logStartOffset: p?.logStartOffset ?? -1,
      lag,
      ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
    });
  }
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

export async function groupLag(log: TopicLog, namespace: string, group: string): Promise<GroupLag> {
  const partitions = lagOf(log, namespace, await log.fetchOffsets(namespace, group));
  return { namespace, group, partitions, totalLag: partitions.reduce((n, p) => n + (p.lag ?? 0), 0) };
}

/** Every group of every namespace that holds topics. */
export async function allGroupLags(log: TopicLog): Promise<GroupLag[]> {
  const out: GroupLag[] = [];
  for (const ns of log.listNamespaces()) {
    for (const group of await log.listGroups(ns)) out.push(await groupLag(log, ns, group));
  }
  return out;
}

const bound = new WeakMap<Registry, Set<TopicLog>>();

/** Exports strata_consumer_lag_records for `log` on `registry`; returns a function that unbinds it. */
export function bindConsumerLagMetric(log: TopicLog, registry: Registry = metricsRegistry, options: { minIntervalMs?: number } = {}): () => void {
  let logs = bound.get(registry);
  if (!logs) {
    const sources = new Set<TopicLog>();
    logs = sources;
    bound.set(registry, sources);
    const minIntervalMs = options.minIntervalMs ?? 5_000;
    let last: { at: number; lags: GroupLag[] } | undefined;
    gauge(
      {
        name: 'strata_consumer_lag_records',
        help: 'Records a consumer group has not consumed yet: partition high watermark minus committed offset',
        labelNames: ['namespace', 'group', 'topic', 'partition'],
        async collect() {
          if (!last || Date.now() - last.at >= minIntervalMs) {
            const lags: GroupLag[] = [];
            for (const l of sources) {
              try {
                lags.push(...(await allGroupLags(l)));
              } catch {
                // a store outage must not fail the whole scrape; the series go stale instead
              }
            }
            last = { at: Date.now(), lags };
          }
          this.reset();
          for (const g of last.lags) {
            for (const p of g.partitions) {
              if (p.lag !== null) this.set({ namespace: g.namespace, group: g.group, topic: p.topic, partition: String(p.partition) }, p.lag);
            }
          }
        },
      },
      registry,
    );
  }
  const set = logs;
  set.add(log);
  return () => {
    set.delete(log);
  };
}
