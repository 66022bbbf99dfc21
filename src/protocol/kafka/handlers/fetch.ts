/**
 * Fetch: reads stored RecordBatch v2 buffers from the log and returns them as they are (no decoding, no
 * re-encoding; the client skips records below its fetch offset, as with Kafka). Long poll: when fewer than
 * min_bytes are available the request waits, up to max_wait_ms, for any of its partitions to grow.
 * Limits (KIP-74): partition_max_bytes per partition and max_bytes per response, but the first batch
 * found is always returned whole so a batch larger than the limits cannot stall a consumer.
 * The batches are views of cache blocks leased for the response: they are released once the socket has
 * written it (AFTER_WRITE), so a consumer catching up reuses block memory instead of allocating it.
 */
import type { ReadResult } from '../../../log/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import { AFTER_WRITE, type ConnectionState, type KafkaContext } from './context.js';

interface Wanted {
  /** As the request named it: a name (v0–12) or a topic id (v13+). */
  ref: string;
  /** Resolved topic name; undefined when unknown. */
  topic: string | undefined;
  byId: boolean;
  partition: number;
  offset: number;
  maxBytes: number;
}

interface Got {
  w: Wanted;
  errorCode: number;
  read?: ReadResult;
  bytes: number;
}

/** Reads every partition concurrently, then applies the response budget in request order. */
async function readOnce(ctx: KafkaContext, ns: string, wanted: Wanted[], maxBytes: number, signal: AbortSignal): Promise<Got[]> {
  const reads = wanted.map(async (w): Promise<Got> => {
    if (w.topic === undefined || !ctx.log.getTopic(ns, w.topic)) {
      return { w, errorCode: w.byId ? KafkaError.UNKNOWN_TOPIC_ID : KafkaError.UNKNOWN_TOPIC_OR_PARTITION, bytes: 0 };
    }
    try {
      const read = await ctx.log.read(ns, w.topic, w.partition, w.offset, { maxBytes: Math.max(1, Math.min(w.maxBytes, maxBytes)), signal, lease: true });
      return { w, errorCode: KafkaError.NONE, read, bytes: 0 };
    } catch (err) {
      ctx.logger.debug({ err, topic: w.topic, partition: w.partition, offset: w.offset }, 'kafka fetch read failed');
      return { w, errorCode: kafkaErrorOf(err), bytes: 0 };
    }
  });
  const out = await Promise.all(reads);
  let budget = maxBytes;
  let first = true;
  for (const g of out) {
    if (!g.read) continue;
    const cap = Math.min(g.w.maxBytes, budget);
    const batches: Buffer[] = [];
    let bytes = 0;
    for (const b of g.read.batches) {
      // KIP-74: the first batch of the first non-empty partition goes out whole, whatever the limits
      if (!(first && bytes === 0) && bytes + b.length > cap) break;
      batches.push(b);
      bytes += b.length;
    }
    if (bytes > 0) first = false;
    budget -= bytes;
    g.read = { ...g.read, batches };
    g.bytes = bytes;
  }
  return out;
}

/** Resolves when any partition has data past its fetch offset, the time is up, or the signal fires. */
async function waitForData(ctx: KafkaContext, ns: string, got: Got[], ms: number, signal: AbortSignal): Promise<void> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // wait for growth past the current high watermark (not past the fetch offset: that may already hold
    // fewer than min_bytes, and waiting on it would return at once)
    const polls = got
      .filter((g) => g.read !== undefined)
      // leased and released at once: the probe only needs to know that data arrived, and an unleased read
      // would mark the blocks it touches as escaped (never recycled)
      .map((g) => ctx.log.read(ns, g.w.topic!, g.w.partition, Math.max(g.w.offset, g.read!.highWatermark), { maxBytes: 1, maxWaitMs: ms, signal: ac.signal, lease: true }).then((r) => r.release?.(), () => undefined));
    await Promise.race([...polls, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    ac.abort();
  }
}

export async function handleFetch(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const ns = conn.namespace;
  const wanted: Wanted[] = [];
  const byId = version >= 13;
  const ids = new Map<string, string>();
  for (const t of ctx.log.listTopics(ns)) ids.set(t.id, t.name);
  for (const t of req.topics as Msg[]) {
    const ref: string = byId ? t.topicId : t.topic;
    // v13+: by id. v12 and older: by name, though @platformatic/kafka 1.33 sends the id as a string in v12
    const topic = byId ? ids.get(ref) : ctx.log.getTopic(ns, ref) ? ref : ids.get(ref);
    for (const p of t.partitions as Msg[]) wanted.push({ ref, topic, byId, partition: p.partition, offset: p.fetchOffset, maxBytes: p.partitionMaxBytes });
  }
  const maxBytes = (req.maxBytes as number) > 0 ? (req.maxBytes as number) : 0x7fffffff;
  const minBytes = Math.max(1, req.minBytes as number);
  const deadline = Date.now() + Math.min(Math.max(0, req.maxWaitMs as number), ctx.settings.maxFetchWaitMs);
  const signal = AbortSignal.any([conn.signal, ctx.signal]);
  let got = await readOnce(ctx, ns, wanted, maxBytes, signal);
  for (;;) {
    const total = got.reduce((s, g) => s + g.bytes, 0);
    const remaining = deadline - Date.now();
    if (total >= minBytes || remaining <= 0 || signal.aborted || got.some((g) => g.errorCode !== KafkaError.NONE) || wanted.length === 0) break;
    await waitForData(ctx, ns, got, remaining, signal);
    if (signal.aborted) break;
    releaseReads(got);
    got = await readOnce(ctx, ns, wanted, maxBytes, signal);
  }
  const byTopic = new Map<string, Msg[]>();
  for (const g of got) {
    const list = byTopic.get(g.w.ref) ?? [];
    byTopic.set(g.w.ref, list);
    list.push({
      partitionIndex: g.w.partition,
      errorCode: g.errorCode,
      highWatermark: g.read?.highWatermark ?? -1,
      lastStableOffset: g.read?.highWatermark ?? -1,
      logStartOffset: g.read?.logStartOffset ?? -1,
      abortedTransactions: version >= 4 ? [] : null,
      preferredReadReplica: -1,
      records: g.read ? g.read.batches : null,
    });
  }
  return {
    throttleTimeMs: 0,
    errorCode: KafkaError.NONE,
    sessionId: 0,
    responses: [...byTopic].map(([ref, partitions]) => ({ topic: ref, topicId: ref, partitions })),
    [AFTER_WRITE]: () => releaseReads(got),
  };
}

function releaseReads(got: Got[]): void {
  for (const g of got) g.read?.release?.();
}
