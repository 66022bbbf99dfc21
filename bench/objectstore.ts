/**
 * Object-store baseline: PUT and GET throughput and latency (p50/p99) for 4 KiB, 1 MiB and 8 MiB objects,
 * fs (FsStore, fsync on) vs MinIO (S3Store against a private MinIO started here), at 1 and 16 concurrent
 * requests. Later benchmarks (cache, log) compare against these raw figures.
 *
 *   node bench/run.js objectstore [--duration=2000] [--backends=fs,minio] [--json]
 *
 * Each cell runs for --duration ms (at least 8 ops) over a 32-key working set, then deletes its keys.
 * An external S3 endpoint instead of a private MinIO: STRATA_BENCH_S3_ENDPOINT (+ _BUCKET, _ACCESS_KEY, _SECRET_KEY).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsStore } from '../src/store/fs.js';
import { S3Store } from '../src/store/s3.js';
import type { ObjectStore } from '../src/store/types.js';
import type { MinioServer } from '../test/support/minio.js';
import { benchS3 } from './_s3.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const DURATION_MS = Number(args.get('duration') ?? 2000);
const BACKENDS = (args.get('backends') ?? 'fs,minio').split(',');
const SIZES: Array<[string, number]> = [
  ['4 KiB', 4 * 1024],
  ['1 MiB', 1024 * 1024],
  ['8 MiB', 8 * 1024 * 1024],
];
const CONCURRENCY = [1, 16];
const KEYS = 32;
const MIN_OPS = 8;

interface Cell {
  backend: string;
  op: 'PUT' | 'GET';
  size: string;
  bytes: number;
  concurrency: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  mibPerSec: number;
  p50ms: number;
  p99ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function runCell(backend: string, store: ObjectStore, op: 'PUT' | 'GET', size: string, bytes: number, concurrency: number, body: Buffer): Promise<Cell> {
  const latencies: number[] = [];
  const start = performance.now();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() - start < DURATION_MS || issued < MIN_OPS) {
      const key = `bench/${size.replace(' ', '')}/${issued++ % KEYS}`;
      const t0 = performance.now();
      if (op === 'PUT') await store.put(key, body);
      else {
        const r = await store.get(key);
        if (r.body.length !== bytes) throw new Error(`short read of ${key}: ${r.body.length}`);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const ops = latencies.length;
  return {
    backend,
    op,
    size,
    bytes,
    concurrency,
    ops,
    seconds,
    opsPerSec: ops / seconds,
    mibPerSec: (ops * bytes) / seconds / 1024 / 1024,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
  };
}

async function benchStore(backend: string, store: ObjectStore, cells: Cell[]): Promise<void> {
  for (const [size, bytes] of SIZES) {
    const body = randomBytes(bytes);
    // Fill the working set untimed, so GET cells always find their keys.
    for (let i = 0; i < KEYS; i += 8) {
      await Promise.all(Array.from({ length: 8 }, (_, j) => store.put(`bench/${size.replace(' ', '')}/${i + j}`, body)));
    }
    for (const c of CONCURRENCY) {
      for (const op of ['PUT', 'GET'] as const) {
        const cell = await runCell(backend, store, op, size, bytes, c, body);
        cells.push(cell);
        process.stderr.write(`  ${backend.padEnd(5)} ${op} ${size.padStart(5)} c=${String(c).padEnd(2)} ${cell.opsPerSec.toFixed(0).padStart(6)} ops/s  p50 ${cell.p50ms.toFixed(2)} ms\n`);
      }
    }
    for (let i = 0; i < KEYS; i++) await store.delete(`bench/${size.replace(' ', '')}/${i}`);
  }
}

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

function table(cells: Cell[]): string {
  const lines = ['| backend | op | size | conc | ops/s | MiB/s | p50 ms | p99 ms |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const c of cells) {
    lines.push(`| ${c.backend} | ${c.op} | ${c.size} | ${c.concurrency} | ${fmt(c.opsPerSec, 0)} | ${fmt(c.mibPerSec)} | ${fmt(c.p50ms, 2)} | ${fmt(c.p99ms, 2)} |`);
  }
  return lines.join('\n');
}

function ratios(cells: Cell[]): string {
  const fs = cells.filter((c) => c.backend === 'fs');
  const lines = ['| op | size | conc | MinIO/fs throughput | MinIO/fs p50 latency |', '| --- | --- | ---: | ---: | ---: |'];
  for (const f of fs) {
    const m = cells.find((c) => c.backend === 'minio' && c.op === f.op && c.size === f.size && c.concurrency === f.concurrency);
    if (m) lines.push(`| ${f.op} | ${f.size} | ${f.concurrency} | ${fmt(m.opsPerSec / f.opsPerSec, 2)}× | ${fmt(m.p50ms / f.p50ms, 2)}× |`);
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model.trim() ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Linux ${release()}, Node ${process.version}`;
  const cells: Cell[] = [];
  const dataRoot = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  let minio: MinioServer | undefined;
  const t0 = Date.now();
  try {
    if (BACKENDS.includes('fs')) {
      const store = new FsStore({ dir: join(dataRoot, 'fs') });
      await benchStore('fs', store, cells);
      await store.close();
    }
    if (BACKENDS.includes('minio')) {
      const s3 = await benchS3(join(dataRoot, 'minio'));
      minio = s3.minio;
      const cfg = s3.cfg;
      const store = new S3Store(cfg);
      await benchStore('minio', store, cells);
      await store.close();
    }
  } finally {
    await minio?.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  }
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  const out = [
    `Machine: ${machine}; load average at the end ${load} (other work on the machine skews results)`,
    `Run: node bench/run.js objectstore --duration=${DURATION_MS} (${((Date.now() - t0) / 1000).toFixed(0)} s; fs with fsync on; MinIO single drive on the same disk, loopback)`,
    '',
    table(cells),
    '',
    ratios(cells),
  ].join('\n');
  console.log(out);
  if (args.has('json')) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `objectstore-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine, durationMs: DURATION_MS, cells }, null, 2));
    console.log(`\nresults: ${file}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
