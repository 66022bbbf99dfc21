/**
 * Produce: the records blob of each partition is split into its RecordBatch v2 batches, and each batch is
 * handed to TopicLog.appendBatch as sent (CRC, compression and producer id/sequence untouched; the log
 * checks idempotent sequences). Appends are issued synchronously in request order, so the per-partition
 * order of pipelined requests (max.in.flight > 1) is the order they arrived in.
 * acks=0 gets no response at all (Kafka protocol: "the server will not send any response").
 *
 * Namespace quotas (docs/tenants.md "Quotas"), the Kafka way: over a rate quota the request is accepted and
 * throttle_time_ms says how long the client must wait; Produce v6+ is answered at once and the connection
 * reads nothing for that long (KIP-219, network/connection.ts), older versions get the response that much
 * later. Over maxStoredBytes every partition fails with POLICY_VIOLATION.
 */
import type { AppendResult } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';
import { topicOrCreate } from './metadata.js';

/** RecordBatch v2 header: baseOffset INT64, batchLength INT32, partitionLeaderEpoch INT32, magic INT8. */
const LOG_OVERHEAD = 12;
const MAGIC_OFFSET = 16;

/** Splits a records blob into batches; throws a code when the blob is not a sequence of v2 batches. */
export function splitBatches(records: Buffer): Buffer[] | number {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < MAGIC_OFFSET + 1) return KafkaError.CORRUPT_MESSAGE;
    const size = LOG_OVERHEAD + records.readInt32BE(pos + 8);
    if (size < 61 || pos + size > records.length) return KafkaError.CORRUPT_MESSAGE;
    if (records[pos + MAGIC_OFFSET] !== 2) return KafkaError.UNSUPPORTED_FOR_MESSAGE_FORMAT;
    out.push(records.subarray(pos, pos + size));
    pos += size;
  }
  return out.length === 0 ? KafkaError.CORRUPT_MESSAGE : out;
}

/** Records and batch bytes of a Produce request, read from the batch headers (recordsCount at byte 57). */
export function produceSize(topicData: Msg[]): { records: number; bytes: number } {
  let records = 0;
  let bytes = 0;
  for (const td of topicData) {
    for (const pd of td.partitionData as Msg[]) {
      const r = pd.records as Buffer | null;
      if (!r) continue;
      bytes += r.length;
      for (let pos = 0; pos + 61 <= r.length; pos += LOG_OVERHEAD + Math.max(49, r.readInt32BE(pos + 8))) records += Math.max(0, r.readInt32BE(pos + 57));
    }
  }
  return { records, bytes };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

interface PartitionOutcome {
  index: number;
  result: Promise<Msg>;
}

function appendAll(ctx: KafkaContext, ns: string, topic: string, index: number, records: Buffer | null): Promise<Msg> {
  const fail = (errorCode: number, errorMessage: string | null = null): Promise<Msg> =>
    Promise.resolve({ index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage });
  const batches = records ? splitBatches(records) : KafkaError.CORRUPT_MESSAGE;
  if (typeof batches === 'number') return fail(batches);
  // issue every append now (keeps arrival order); then wait for all of them. Each batch is a view of this
  // request's frame, handed over to the log (TopicLog contract): nothing else uses the frame afterwards.
  const appends: Array<Promise<AppendResult>> = batches.map((b) => ctx.log.appendBatch(ns, topic, index, b));
  return Promise.allSettled(appends).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      ctx.logger.debug({ err: failed.reason, topic, partition: index }, 'kafka produce append failed');
      return { index, errorCode: kafkaErrorOf(failed.reason), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage: String(failed.reason?.message ?? failed.reason) };
    }
    const ok = results as Array<PromiseFulfilledResult<AppendResult>>;
    const first = ok[0].value;
    return { index, errorCode: KafkaError.NONE, baseOffset: first.baseOffset, logAppendTimeMs: -1, logStartOffset: ok[ok.length - 1].value.logStartOffset, errorMessage: null };
  });
}

export async function handleProduce(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg | null> {
  const ns = conn.namespace;
  const transactional = req.transactionalId !== null;
  let throttleTimeMs = 0;
  let overStorage: string | undefined;
  if (ctx.quotas) {
    const size = produceSize(req.topicData as Msg[]);
    const charged = ctx.quotas.chargeProduce(ns, size.records, size.bytes);
    if ('throttleMs' in charged) throttleTimeMs = charged.throttleMs;
    else overStorage = `namespace ${ns} is over its maxStoredBytes quota`;
    if (throttleTimeMs > 0 || overStorage) ctx.logger.debug({ conn: conn.id, clientId: conn.clientId, namespace: ns, throttleTimeMs, refused: overStorage !== undefined }, 'kafka produce over a namespace quota');
  }
  const topics: Array<{ name: string; parts: PartitionOutcome[] }> = [];
  for (const td of req.topicData as Msg[]) {
    const name = td.name as string;
    // topic lookup is synchronous when it exists, so appends stay in arrival order
    let exists = ctx.log.getTopic(ns, name) !== undefined;
    const created = exists || overStorage ? undefined : topicOrCreate(ctx, ns, name, true).then((t) => (exists = t !== undefined)).catch(() => false);
    const parts: PartitionOutcome[] = (td.partitionData as Msg[]).map((pd) => {
      const index = pd.index as number;
      const errorOnly = (errorCode: number, errorMessage: string | null = null): Promise<Msg> => Promise.resolve({ index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage });
      if (overStorage) return { index, result: errorOnly(KafkaError.POLICY_VIOLATION, overStorage) };
      if (transactional) return { index, result: errorOnly(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
      if (exists) return { index, result: appendAll(ctx, ns, name, index, pd.records as Buffer | null) };
      return {
        index,
        result: created!.then((ok) => (ok ? appendAll(ctx, ns, name, index, pd.records as Buffer | null) : errorOnly(KafkaError.UNKNOWN_TOPIC_OR_PARTITION))),
      };
    });
    topics.push({ name, parts });
  }
  if (req.acks === 0) {
    for (const t of topics) for (const p of t.parts) void p.result.catch(() => undefined);
    return null;
  }
  const responses = [];
  for (const t of topics) {
    responses.push({ name: t.name, partitionResponses: await Promise.all(t.parts.map((p) => p.result.catch((err) => ({ index: p.index, errorCode: kafkaErrorOf(err), baseOffset: -1 })))) });
  }
  // before KIP-219 (v0-5) the broker itself delays a throttled response; v6+ clients wait, the connection is muted
  if (throttleTimeMs > 0 && version < 6) await sleep(throttleTimeMs, AbortSignal.any([ctx.signal, conn.signal]));
  return { responses, throttleTimeMs };
}
