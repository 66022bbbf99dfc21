/**
 * OffsetCommit and OffsetFetch. Commits are checked against the group's member and generation (a
 * generation of -1 with no member id is a "simple" commit, allowed while the group has no members) and
 * stored durably through the topic log. Partitions without a commit answer offset -1.
 */
import type { GroupOffset } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';
import { code } from './groups.js';

export async function handleOffsetCommit(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const topics = req.topics as Msg[];
  const offsets: GroupOffset[] = [];
  const unknown = new Set<string>();
  for (const t of topics) {
    const info = ctx.log.getTopic(conn.namespace, t.name);
    for (const p of t.partitions as Msg[]) {
      if (!info || !info.partitions.some((x) => x.partition === p.partitionIndex)) {
        unknown.add(`${t.name}/${p.partitionIndex}`);
        continue;
      }
      offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata, leaderEpoch: p.committedLeaderEpoch });
    }
  }
  let errorCode: number;
  try {
    errorCode = code(await ctx.groups.commit(conn.namespace, req.groupId, req.memberId ?? '', req.generationId, offsets));
  } catch (err) {
    ctx.logger.warn({ err, group: req.groupId }, 'kafka offset commit failed');
    errorCode = kafkaErrorOf(err);
  }
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: (t.partitions as Msg[]).map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: unknown.has(`${t.name}/${p.partitionIndex}`) ? KafkaError.UNKNOWN_TOPIC_OR_PARTITION : errorCode,
      })),
    })),
  };
}

async function fetchGroup(ctx: KafkaContext, ns: string, groupId: string, topics: Msg[] | null): Promise<{ topics: Msg[]; errorCode: number }> {
  let committed: GroupOffset[];
  try {
    committed = await ctx.groups.fetchOffsets(ns, groupId);
  } catch (err) {
    return { topics: [], errorCode: kafkaErrorOf(err) };
  }
  const byKey = new Map(committed.map((o) => [`${o.topic}\u0000${o.partition}`, o]));
  const wanted: Array<{ name: string; partitionIndexes: number[] }> =
    (topics as Array<{ name: string; partitionIndexes: number[] }> | null) ??
    [...new Set(committed.map((o) => o.topic))].map((name) => ({ name, partitionIndexes: committed.filter((o) => o.topic === name).map((o) => o.partition) }));
  return {
    errorCode: KafkaError.NONE,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const o = byKey.get(`${t.name}\u0000${partitionIndex}`);
        return {
          partitionIndex,
          committedOffset: o?.offset ?? -1,
          committedLeaderEpoch: o?.leaderEpoch ?? -1,
          metadata: o?.metadata ?? '',
          errorCode: KafkaError.NONE,
        };
      }),
    })),
  };
}

export async function handleOffsetFetch(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  if (version >= 8) {
    const groups = await Promise.all(
      (req.groups as Msg[]).map(async (g) => ({ groupId: g.groupId, ...(await fetchGroup(ctx, conn.namespace, g.groupId, g.topics as Msg[] | null)) })),
    );
    return { throttleTimeMs: 0, groups };
  }
  const r = await fetchGroup(ctx, conn.namespace, req.groupId, req.topics as Msg[] | null);
  return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
}
