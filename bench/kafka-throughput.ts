/**
 * Kafka produce/consume throughput, Strata vs Apache Kafka 4.1 (single-node KRaft from Maven Central jars),
 * measured by Kafka's own ProducerPerformance (acks=all, producer p50/p99 latency) and ConsumerPerformance,
 * in the same run on the same machine. Strata runs as a whole node (store → log → Kafka listener) on a
 * private MinIO (or --store=fs); Kafka on its local log dir.
 *
 *   node bench/run.js kafka-throughput [--records=1000000] [--size=1024] [--partitions=1] [--targets=kafka,strata] [--store=minio|fs]
 *     [--strata-args="--wal-linger 20ms"] [--producer-props="batch.size=1048576"] [--json]
 *
 * Jars first: mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { resolveConfig } from '../src/server/config.js';
import { applyGcSettings, gcSettingsOf } from '../src/server/gc.js';
import { startNode } from '../src/server/node.js';
import { freePort, startMinio, type MinioServer } from '../test/support/minio.js';
import { ensureBucket } from '../test/support/s3.js';
import { consumePerf, haveKafkaJars, producePerf, startKafka, type ConsumeFigures, type ProduceFigures } from './_kafka-peer.js';

const args = new Map(
  process.argv.slice(2).map((a): [string, string] => {
    const s = a.replace(/^--/, '');
    const i = s.indexOf('=');
    return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
  }),
);
const RECORDS = Number(args.get('records') ?? 1_000_000);
const SIZE = Number(args.get('size') ?? 1024);
const TARGETS = (args.get('targets') ?? 'kafka,strata').split(',');
const STORE = args.get('store') ?? 'minio';
const PARTITIONS = Number(args.get('partitions') ?? 1);
/** --producer-props="batch.size=1048576 …": producer settings for both targets, over these defaults. */
const PRODUCER_PROPS = Object.entries({
  ...Object.fromEntries(['linger.ms=5', 'batch.size=262144', 'compression.type=none'].map((p) => p.split('=') as [string, string])),
  ...Object.fromEntries((args.get('producer-props') ?? '').split(' ').filter(Boolean).map((p) => p.split('=') as [string, string])),
}).map(([k, v]) => `${k}=${v}`);
/** --strata-args="--wal-linger 20ms …": extra `strata start` options for the Strata node (A/B of settings). */
const STRATA_ARGS = (args.get('strata-args') ?? '').split(' ').filter(Boolean);

interface Row {
  target: string;
  produce: ProduceFigures;
  consume: ConsumeFigures;
}

async function bench(target: string, bootstrap: string): Promise<Row> {
  const topic = `perf-${target.replace(/[^a-z0-9]+/gi, "-")}-${Date.now()}`;
  // warm-up: JIT, connections, topic creation; a KRaft broker accepts connections before it can serve
  for (let attempt = 1; ; attempt++) {
    try {
      await producePerf(bootstrap, `${topic}-warm`, Math.min(20_000, RECORDS), SIZE, PRODUCER_PROPS);
      break;
    } catch (err) {
      if (attempt === 5) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const produce = await producePerf(bootstrap, topic, RECORDS, SIZE, PRODUCER_PROPS);
  const consume = await consumePerf(bootstrap, topic, RECORDS);
  return { target, produce, consume };
}

async function strataRow(root: string): Promise<Row> {
  let minio: MinioServer | undefined;
  const argv = ['--data-dir', join(root, 'strata'), '--http-port', '0', '--no-mqtt-enabled', '--kafka-port', '0', '--kafka-group-initial-rebalance-delay', '0', '--kafka-default-partitions', String(PARTITIONS)];
  if (STORE === 'minio') {
    minio = await startMinio({ dataDir: join(root, 'minio') });
    const cfg = { endpoint: minio.endpoint, region: 'us-east-1', bucket: 'strata-bench', accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey, forcePathStyle: true as const };
    await ensureBucket(cfg, cfg.bucket);
    argv.push('--store', 's3', '--s3-endpoint', cfg.endpoint, '--s3-bucket', cfg.bucket, '--s3-region', cfg.region, '--s3-force-path-style', '--s3-access-key-id', cfg.accessKeyId, '--s3-secret-access-key', cfg.secretAccessKey);
  } else {
    argv.push('--store', 'fs');
  }
  argv.push(...STRATA_ARGS);
  const config = resolveConfig({ argv, env: {} }).config;
  // What `strata start` does before it starts the node (process-wide GC settings, docs/operations.md#node-flags).
  applyGcSettings(gcSettingsOf(config));
  const node = await startNode(config, pino({ level: 'warn' }));
  try {
    return await bench(`strata (${STORE})`, `127.0.0.1:${node.ports.kafka}`);
  } finally {
    await node.stop();
    await minio?.stop();
  }
}

async function kafkaRow(root: string): Promise<Row> {
  const kafka = await startKafka(join(root, 'kafka'), await freePort(), await freePort(), PARTITIONS);
  try {
    return await bench('kafka 4.1', kafka.bootstrap);
  } finally {
    await kafka.stop();
  }
}

const fmt = (n: number, d = 1): string => n.toFixed(d);

async function main(): Promise<void> {
  if (TARGETS.includes('kafka') && !haveKafkaJars()) {
    console.error('Kafka jars missing: mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs');
    process.exit(2);
  }
  const root = mkdtempSync(join(tmpdir(), 'strata-kafka-bench-'));
  const rows: Row[] = [];
  const t0 = Date.now();
  try {
    if (TARGETS.includes('kafka')) rows.push(await kafkaRow(root));
    if (TARGETS.includes('strata')) rows.push(await strataRow(root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines = [
    `Machine: ${machine}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    `Run: node bench/run.js kafka-throughput --records=${RECORDS} --size=${SIZE} --partitions=${PARTITIONS} --store=${STORE}${STRATA_ARGS.length ? ` --strata-args="${STRATA_ARGS.join(' ')}"` : ''}${args.has('producer-props') ? ` --producer-props="${args.get('producer-props')}"` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s); producer acks=all ${PRODUCER_PROPS.join(' ')}; ${PARTITIONS} partition(s)`,
    '',
    '| target | produce MB/s | produce rec/s | p50 ms | p99 ms | p99.9 ms | consume MB/s | consume fetch MB/s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.target} | ${fmt(r.produce.mbPerSec, 2)} | ${fmt(r.produce.recordsPerSec, 0)} | ${r.produce.p50Ms} | ${r.produce.p99Ms} | ${r.produce.p999Ms} | ${fmt(r.consume.mbPerSec, 2)} | ${fmt(r.consume.fetchMbPerSec, 2)} |`),
  ];
  const k = rows.find((r) => r.target.startsWith('kafka'));
  const s = rows.find((r) => r.target.startsWith('strata'));
  if (k && s) {
    lines.push('', `Strata / Kafka: produce ${fmt(s.produce.mbPerSec / k.produce.mbPerSec, 2)}×, consume ${fmt(s.consume.mbPerSec / k.consume.mbPerSec, 2)}×, produce p99 ${s.produce.p99Ms} ms vs ${k.produce.p99Ms} ms`);
  }
  console.log(lines.join('\n'));
  if (args.has('json')) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `kafka-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, records: RECORDS, size: SIZE, partitions: PARTITIONS, store: STORE, rows }, null, 2));
  }
}

await main();
