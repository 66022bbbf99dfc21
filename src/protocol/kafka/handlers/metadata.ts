/**
 * Metadata: one broker (this node) leads every partition; replicas and ISR are [this node] because
 * durability comes from the object store, not from replication. Unknown topics are created when the
 * request allows it and kafkaAutoCreateTopics is on (Kafka's auto.create.topics.enable).
 */
import { isStrataError } from '../../../errors.js';
import type { TopicInfo } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

/** The topic, created on demand when allowed. Throws the log's error otherwise. */
export async function topicOrCreate(ctx: KafkaContext, ns: string, name: string, create: boolean): Promise<TopicInfo | undefined> {
  const t = ctx.log.getTopic(ns, name);
  if (t || !create || !ctx.settings.autoCreateTopics) return t;
  try {
    return await ctx.log.createTopic(ns, name, { partitions: ctx.settings.defaultPartitions });
  } catch (err) {
    if (isStrataError(err, 'STRATA_ERR_TOPIC_EXISTS')) return ctx.log.getTopic(ns, name);
    throw err;
  }
}

export function topicMetadata(t: TopicInfo, nodeId: number): Msg {
  return {
    errorCode: KafkaError.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: false,
    partitions: t.partitions.map((p) => ({
      errorCode: KafkaError.NONE,
      partitionIndex: p.partition,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
  };
}

export async function handleMetadata(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const { nodeId, clusterId } = ctx.settings;
  const ns = conn.namespace;
  const topics: Msg[] = [];
  const wanted = req.topics as Array<{ name: string | null; topicId: string | null }> | null;
  if (wanted === null || (version === 0 && wanted.length === 0)) {
    for (const t of ctx.log.listTopics(ns)) topics.push(topicMetadata(t, nodeId));
  } else {
    for (const w of wanted) {
      const name = w.name ?? ctx.log.listTopics(ns).find((t) => t.id === w.topicId)?.name;
      if (!name) {
        topics.push({ errorCode: KafkaError.UNKNOWN_TOPIC_ID, name: null, topicId: w.topicId, partitions: [] });
        continue;
      }
      try {
        const t = await topicOrCreate(ctx, ns, name, req.allowAutoTopicCreation as boolean);
        topics.push(t ? topicMetadata(t, nodeId) : { errorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] });
      } catch (err) {
        topics.push({ errorCode: kafkaErrorOf(err), name, partitions: [] });
      }
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId, host: conn.advertised.host, port: conn.advertised.port, rack: null }],
    clusterId,
    controllerId: nodeId,
    topics,
  };
}
