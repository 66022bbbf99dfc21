/**
 * CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs. Replication factor and replica
 * assignments are accepted and ignored: durability comes from the object store. Topic configs map onto
 * TopicConfig: retention.ms, retention.bytes, max.message.bytes; cleanup.policy must be "delete";
 * other Kafka topic configs are accepted and ignored (listed in docs/reference/kafka.md).
 */
import { StrataError } from '../../../errors.js';
import type { TopicConfig, TopicInfo } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
/** Most partitions one topic may have (a request for 2^31 partitions must not allocate them). */
export const MAX_PARTITIONS = 10_000;

/** Kafka topic configs → TopicConfig; throws STRATA_ERR_INVALID_REQUEST for a value we cannot honour. */
export function topicConfigOf(configs: Array<{ name: string; value: string | null }>): Partial<TopicConfig> {
  const out: Partial<TopicConfig> = {};
  const num = (name: string, v: string | null): number => {
    const n = Number(v);
    if (v === null || !Number.isInteger(n)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `config ${name} must be an integer`);
    return n;
  };
  for (const { name, value } of configs) {
    if (name === 'retention.ms') out.retentionMs = num(name, value) < 0 ? null : num(name, value);
    else if (name === 'retention.bytes') out.retentionBytes = num(name, value) < 0 ? null : num(name, value);
    else if (name === 'max.message.bytes') out.maxMessageBytes = num(name, value);
    else if (name === 'cleanup.policy' && value !== 'delete') throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'only cleanup.policy=delete is supported');
  }
  return out;
}

export async function handleCreateTopics(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const topics = [];
  for (const t of req.topics as Msg[]) {
    const base = { name: t.name, topicId: null as string | null, numPartitions: -1, replicationFactor: -1, configs: [] };
    try {
      const partitions = t.numPartitions === -1 ? ctx.settings.defaultPartitions : (t.numPartitions as number);
      if (partitions < 1 || partitions > MAX_PARTITIONS) {
        topics.push({ ...base, errorCode: KafkaError.INVALID_PARTITIONS, errorMessage: `num_partitions must be 1–${MAX_PARTITIONS}` });
        continue;
      }
      let config: Partial<TopicConfig>;
      try {
        config = topicConfigOf(t.configs as Array<{ name: string; value: string | null }>);
      } catch (err) {
        topics.push({ ...base, errorCode: KafkaError.INVALID_CONFIG, errorMessage: (err as Error).message });
        continue;
      }
      if (req.validateOnly) {
        const exists = ctx.log.getTopic(conn.namespace, t.name) !== undefined;
        topics.push({ ...base, errorCode: exists ? KafkaError.TOPIC_ALREADY_EXISTS : KafkaError.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: 1 });
        continue;
      }
      const info = await ctx.log.createTopic(conn.namespace, t.name, { ...config, partitions });
      topics.push({ ...base, topicId: info.id, errorCode: KafkaError.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: 1 });
    } catch (err) {
      topics.push({ ...base, errorCode: kafkaErrorOf(err), errorMessage: (err as Error).message });
    }
  }
  return { throttleTimeMs: 0, topics };
}

export async function handleDeleteTopics(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const wanted: Array<{ name: string | null; topicId: string | null }> =
    version >= 6 ? (req.topics as Msg[]).map((t) => ({ name: t.name, topicId: t.topicId })) : (req.topicNames as string[]).map((name) => ({ name, topicId: null }));
  const responses = [];
  for (const w of wanted) {
    const info = w.name ? ctx.log.getTopic(conn.namespace, w.name) : ctx.log.listTopics(conn.namespace).find((t) => t.id === w.topicId);
    if (!info) {
      responses.push({ name: w.name, topicId: w.topicId, errorCode: w.name ? KafkaError.UNKNOWN_TOPIC_OR_PARTITION : KafkaError.UNKNOWN_TOPIC_ID, errorMessage: null });
      continue;
    }
    try {
      await ctx.log.deleteTopic(conn.namespace, info.name);
      responses.push({ name: info.name, topicId: info.id, errorCode: KafkaError.NONE, errorMessage: null });
    } catch (err) {
      responses.push({ name: info.name, topicId: info.id, errorCode: kafkaErrorOf(err), errorMessage: (err as Error).message });
    }
  }
  return { throttleTimeMs: 0, responses };
}

export async function handleCreatePartitions(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const results = [];
  for (const t of req.topics as Msg[]) {
    const info = ctx.log.getTopic(conn.namespace, t.name);
    if (!info) {
      results.push({ name: t.name, errorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
    } else if ((t.count as number) <= info.partitions.length || (t.count as number) > MAX_PARTITIONS) {
      results.push({ name: t.name, errorCode: KafkaError.INVALID_PARTITIONS, errorMessage: `topic has ${info.partitions.length} partitions; the count can only grow, up to ${MAX_PARTITIONS}` });
    } else if (req.validateOnly) {
      results.push({ name: t.name, errorCode: KafkaError.NONE, errorMessage: null });
    } else {
      try {
        await ctx.log.createPartitions(conn.namespace, t.name, t.count);
        results.push({ name: t.name, errorCode: KafkaError.NONE, errorMessage: null });
      } catch (err) {
        results.push({ name: t.name, errorCode: kafkaErrorOf(err), errorMessage: (err as Error).message });
      }
    }
  }
  return { throttleTimeMs: 0, results };
}

type Entry = [name: string, value: string | null, source: number, type: number];

function topicEntries(t: TopicInfo): Entry[] {
  const c = t.config;
  return [
    ['retention.ms', String(c.retentionMs ?? -1), SOURCE_TOPIC, 5],
    ['retention.bytes', String(c.retentionBytes ?? -1), SOURCE_TOPIC, 5],
    ['max.message.bytes', String(c.maxMessageBytes), SOURCE_TOPIC, 3],
    ['cleanup.policy', 'delete', SOURCE_DEFAULT, 7],
    ['message.timestamp.type', 'CreateTime', SOURCE_DEFAULT, 2],
    ['compression.type', 'producer', SOURCE_DEFAULT, 2],
  ];
}

function brokerEntries(ctx: KafkaContext): Entry[] {
  return [
    ['broker.id', String(ctx.settings.nodeId), SOURCE_DEFAULT, 3],
    ['num.partitions', String(ctx.settings.defaultPartitions), SOURCE_DEFAULT, 3],
    ['auto.create.topics.enable', String(ctx.settings.autoCreateTopics), SOURCE_DEFAULT, 1],
    ['default.replication.factor', '1', SOURCE_DEFAULT, 4],
  ];
}

export function handleDescribeConfigs(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  const results = (req.resources as Msg[]).map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    let entries: Entry[];
    if (r.resourceType === RESOURCE_TOPIC) {
      const t = ctx.log.getTopic(conn.namespace, r.resourceName);
      if (!t) return { ...base, errorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'unknown topic', configs: [] };
      entries = topicEntries(t);
    } else if (r.resourceType === RESOURCE_BROKER) {
      entries = brokerEntries(ctx);
    } else {
      return { ...base, errorCode: KafkaError.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported`, configs: [] };
    }
    const keys = r.configurationKeys as string[] | null;
    const configs = entries
      .filter(([name]) => !keys || keys.length === 0 || keys.includes(name))
      .map(([name, value, source, type]) => ({ name, value, readOnly: false, isDefault: source === SOURCE_DEFAULT, configSource: source, isSensitive: false, synonyms: [], configType: type, documentation: null }));
    return { ...base, errorCode: KafkaError.NONE, errorMessage: null, configs };
  });
  return { throttleTimeMs: 0, results };
}
