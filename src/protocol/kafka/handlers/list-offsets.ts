/**
 * ListOffsets: -2 earliest (log start), -1 latest (high watermark), -3 max timestamp (v7+; answered with
 * the last offset), otherwise the first offset whose timestamp ≥ the one asked (-1 offset when none).
 */
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

export const EARLIEST = -2;
export const LATEST = -1;
export const MAX_TIMESTAMP = -3;

async function one(ctx: KafkaContext, ns: string, topic: string, partition: number, timestamp: number): Promise<Msg> {
  const base = { partitionIndex: partition, leaderEpoch: 0 };
  const t = ctx.log.getTopic(ns, topic);
  const p = t?.partitions.find((x) => x.partition === partition);
  if (!t || !p) return { ...base, errorCode: KafkaError.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 };
  try {
    if (timestamp === EARLIEST) return { ...base, errorCode: KafkaError.NONE, timestamp: -1, offset: p.logStartOffset };
    if (timestamp === LATEST) return { ...base, errorCode: KafkaError.NONE, timestamp: -1, offset: p.highWatermark };
    if (timestamp === MAX_TIMESTAMP) {
      return { ...base, errorCode: KafkaError.NONE, timestamp: -1, offset: p.highWatermark > p.logStartOffset ? p.highWatermark - 1 : -1 };
    }
    if (timestamp < 0) return { ...base, errorCode: KafkaError.INVALID_REQUEST, timestamp: -1, offset: -1 };
    const found = await ctx.log.offsetForTimestamp(ns, topic, partition, timestamp);
    return { ...base, errorCode: KafkaError.NONE, timestamp: found?.timestamp ?? -1, offset: found?.offset ?? -1 };
  } catch (err) {
    return { ...base, errorCode: kafkaErrorOf(err), timestamp: -1, offset: -1 };
  }
}

export async function handleListOffsets(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const topics = await Promise.all(
    (req.topics as Msg[]).map(async (t) => ({
      name: t.name,
      partitions: await Promise.all((t.partitions as Msg[]).map((p) => one(ctx, conn.namespace, t.name, p.partitionIndex, p.timestamp))),
    })),
  );
  return { throttleTimeMs: 0, topics };
}
