/**
 * Ceiling of the Kafka frontend alone: the real listener (codec, framing, handlers) over an in-memory
 * TopicLog stand-in whose appends resolve at once and whose reads serve the appended batches, driven by
 * Kafka's ProducerPerformance/ConsumerPerformance. Compared with kafka-throughput it separates protocol
 * cost from the write path (WAL flush to the object store) and read path.
 *
 *   node bench/run.js kafka-frontend [--records=200000] [--size=1024]
 */
import { cpus, loadavg } from 'node:os';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { AppendResult, ReadResult, TopicInfo, TopicLog } from '../src/log/types.js';
import { createKafkaServer } from '../src/protocol/kafka/server.js';
import { consumePerf, haveKafkaJars, producePerf } from './_kafka-peer.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const RECORDS = Number(args.get('records') ?? 200_000);
const SIZE = Number(args.get('size') ?? 1024);

/** Append-only memory log: enough of TopicLog for produce/consume/groups. */
function memoryLog(): TopicLog {
  const topics = new Map<string, { info: TopicInfo; batches: Buffer[][]; offsets: number[][] }>();
  const offsets = new Map<string, Map<string, number>>();
  const key = (ns: string, t: string) => `${ns}/${t}`;
  const log: Partial<TopicLog> = {
    getTopic: (ns, t) => topics.get(key(ns, t))?.info,
    listTopics: () => [...topics.values()].map((t) => t.info),
    createTopic: async (ns, name, cfg) => {
      const n = cfg?.partitions ?? 1;
      const info: TopicInfo = { namespace: ns, name, id: crypto.randomUUID(), createdAt: Date.now(), config: { partitions: n, retentionMs: null, retentionBytes: null, maxMessageBytes: 1 << 20 }, partitions: Array.from({ length: n }, (_, p) => ({ partition: p, logStartOffset: 0, highWatermark: 0 })) };
      topics.set(key(ns, name), { info, batches: info.partitions.map(() => []), offsets: info.partitions.map(() => []) });
      return info;
    },
    appendBatch: async (ns, t, p, view): Promise<AppendResult> => {
      const batch = Buffer.from(view); // the request frame is reused (TopicLog contract: the log copies)
      const topic = topics.get(key(ns, t))!;
      const part = topic.info.partitions[p];
      const count = batch.readInt32BE(57);
      batch.writeBigInt64BE(BigInt(part.highWatermark), 0);
      topic.batches[p].push(batch);
      topic.offsets[p].push(part.highWatermark);
      part.highWatermark += count;
      return { partition: p, baseOffset: part.highWatermark - count, lastOffset: part.highWatermark - 1, appendTime: Date.now(), logStartOffset: 0 };
    },
    initProducerId: async () => ({ producerId: 1n, producerEpoch: 0 }),
    read: async (ns, t, p, offset, o): Promise<ReadResult> => {
      const topic = topics.get(key(ns, t))!;
      const offs = topic.offsets[p];
      let i = offs.findIndex((o0, j) => o0 <= offset && (j + 1 === offs.length || offs[j + 1] > offset));
      const out: Buffer[] = [];
      let bytes = 0;
      for (; i >= 0 && i < offs.length && bytes < (o?.maxBytes ?? 1 << 20); i++) (out.push(topic.batches[p][i]), (bytes += topic.batches[p][i].length));
      return { batches: out, highWatermark: topic.info.partitions[p].highWatermark, logStartOffset: 0 };
    },
    commitOffsets: async (ns, g, list) => void list.forEach((o) => (offsets.get(g) ?? offsets.set(g, new Map()).get(g)!).set(`${o.topic}/${o.partition}`, o.offset)),
    fetchOffsets: async (ns, g) => [...(offsets.get(g) ?? new Map()).entries()].map(([k, offset]) => ({ topic: k.slice(0, k.lastIndexOf('/')), partition: Number(k.slice(k.lastIndexOf('/') + 1)), offset })),
    listGroups: async () => [...offsets.keys()],
  };
  return log as TopicLog;
}

if (!haveKafkaJars()) {
  console.error('Kafka jars missing: mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs');
  process.exit(2);
}
const server = createKafkaServer({ log: memoryLog(), logger: pino({ level: 'warn' }), host: '127.0.0.1', port: 0, registry: new Registry(), groups: { initialRebalanceDelayMs: 0 } });
const port = await server.start();
const bootstrap = `127.0.0.1:${port}`;
const props = ['linger.ms=5', 'batch.size=262144'];
await producePerf(bootstrap, 'warm', 20_000, SIZE, props);
const p = await producePerf(bootstrap, 'front', RECORDS, SIZE, props);
const c = await consumePerf(bootstrap, 'front', RECORDS);
await server.stop();
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`Kafka frontend over an in-memory log, ${RECORDS} × ${SIZE} B, acks=all: produce ${p.mbPerSec.toFixed(2)} MB/s (p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms), consume ${c.mbPerSec.toFixed(2)} MB/s`);
