/**
 * Topic-log produce benchmark (issue 4), fs and MinIO side by side:
 *  1. 1 KiB records from --producers concurrent appenders (--batch records per append) for --duration ms:
 *     MB/s, ack latency p50/p99, next to the raw PUT latency of objects the size of the WAL objects written.
 *     Goal: p99 ack ≤ linger + 1.5 × raw PUT p99.
 *  2. 1,000 partitions written at once: object PUTs per second. Goal: ≤ 1/linger.
 *
 *   node bench/run.js log-produce [--duration=5000] [--producers=64] [--batch=16] [--linger=50] [--backends=fs,minio] [--json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createLogMetrics } from '../src/log/metrics.js';
import { openTopicLog } from '../src/log/topic-log.js';
import { args, backends, Counting, KiB, loadAvg, machine, MiB, percentile, quiet, rawPuts } from './_log-common.js';

const DURATION = Number(args.get('duration') ?? 5000);
const PRODUCERS = Number(args.get('producers') ?? 64);
const BATCH = Number(args.get('batch') ?? 16);
const LINGER = Number(args.get('linger') ?? 50);
const PARTITIONS_WIDE = 1000;

async function produce(store: Counting, partitions: number, producers: number, perProducerPartition: boolean, batch: number) {
  const registry = new Registry();
  const metrics = createLogMetrics(registry);
  const log = await openTopicLog({ store, logger: quiet, metrics, config: { walLingerMs: LINGER, compactionIntervalMs: 0 } });
  await log.createTopic('bench', 't', { partitions });
  const value = Buffer.alloc(KiB, 1);
  const records = Array.from({ length: batch }, () => ({ value }));
  const lat: number[] = [];
  let bytes = 0;
  const putsBefore = store.counts.put;
  const headsBefore = store.counts.head;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async (_, w) => {
      let i = 0;
      while (performance.now() - start < DURATION) {
        const p = perProducerPartition ? w % partitions : i++ % partitions;
        const t0 = performance.now();
        await log.append('bench', 't', p, records);
        lat.push(performance.now() - t0);
        bytes += value.length * batch;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const flushes = (await metrics.walFlushes.get()).values[0]?.value ?? 0;
  const walBytes = (await metrics.flushBytes.get()).values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  await log.close();
  return {
    seconds,
    appends: lat.length,
    mibPerSec: bytes / MiB / seconds,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    walObjects: flushes,
    avgWalBytes: flushes ? walBytes / flushes : 0,
    putsPerSec: (store.counts.put - putsBefore) / seconds,
    headsPerSec: (store.counts.head - headsBefore) / seconds,
  };
}

async function main(): Promise<void> {
  const b = await backends((args.get('backends') ?? 'fs,minio').split(','));
  const rows: Record<string, unknown>[] = [];
  try {
    for (const backend of b.list) {
      const store = new Counting(backend.fresh('produce'));
      const r = await produce(store, 16, PRODUCERS, false, BATCH);
      const raw = await rawPuts(backend.fresh('raw'), Math.max(1024, Math.round(r.avgWalBytes)), 50);
      const rawP99 = percentile(raw, 99);
      const goal = LINGER + 1.5 * rawP99;
      rows.push({ scenario: `produce ${BATCH} × 1 KiB per append, 16 partitions`, backend: backend.name, ...round(r), rawPutP50: +percentile(raw, 50).toFixed(1), rawPutP99: +rawP99.toFixed(1), goalP99: +goal.toFixed(1), met: r.p99 <= goal });
      const wide = await produce(new Counting(backend.fresh('wide')), PARTITIONS_WIDE, PARTITIONS_WIDE, true, 1);
      rows.push({ scenario: `${PARTITIONS_WIDE} partitions at once`, backend: backend.name, ...round(wide), goalPutsPerSec: 1000 / LINGER, met: wide.putsPerSec <= 1000 / LINGER });
    }
  } finally {
    await b.close();
  }
  const report = { bench: 'log-produce', machine: machine(), loadavg: loadAvg(), lingerMs: LINGER, durationMs: DURATION, producers: PRODUCERS, batch: BATCH, rows };
  if (args.has('json')) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`log-produce — ${report.machine}; load ${report.loadavg}; linger ${LINGER} ms, ${DURATION} ms per cell`);
    console.table(rows);
  }
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `log-produce-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
}

function round<T extends Record<string, number>>(r: T): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(k === 'appends' || k === 'walObjects' ? 0 : 2)]));
}

await main();
