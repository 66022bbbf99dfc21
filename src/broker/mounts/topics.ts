/**
 * Mounted buckets as external topics of the node's TopicLog (src/log/external.ts): one partition whose
 * records are the mount's records, read through the batch service (and so through the mount's cache).
 */
import type { ExternalTopic, ExternalTopicSource } from '../../log/external.js';
import type { BatchService } from '../batch/service.js';
import type { Mount } from './mount.js';
import type { MountRegistry } from './registry.js';

function asTopic(m: Mount, batches: BatchService): ExternalTopic {
  const { namespace, topic, createdAt } = m.spec;
  return {
    namespace,
    name: topic,
    createdAt,
    highWatermark: () => m.highWatermark,
    read: async (offset, maxRecords, maxBytes) => {
      const r = await batches.readRange(namespace, topic, 0, offset, maxRecords, maxBytes);
      return r.records.map((x) => ({ offset: x.offset, timestamp: x.timestamp, key: x.key, value: x.value, headers: [] }));
    },
  };
}

export function mountTopics(registry: MountRegistry, batches: BatchService): ExternalTopicSource {
  return {
    get: (ns, topic) => {
      const m = registry.get(ns, topic);
      return m ? asTopic(m, batches) : undefined;
    },
    list: (ns) => registry.list(ns).flatMap((s) => {
      const m = registry.get(s.namespace, s.topic);
      return m ? [asTopic(m, batches)] : [];
    }),
  };
}
