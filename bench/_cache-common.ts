/**
 * Shared setup of the cache benchmarks (bench/cache-*.ts): a private MinIO (or STRATA_BENCH_S3_*), a dataset
 * uploaded once per run, timing and table helpers. Files starting with "_" are not benchmarks (run.js skips them).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BlockSource, ObjectRef, TieredCache } from '../cache/index.js';
import { FaultStore } from '../src/store/fault.js';
import { S3Store } from '../src/store/s3.js';
import { benchS3 } from './_s3.js';

export const MiB = 1024 * 1024;

export const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));

export function machine(): string {
  return `${cpus()[0]?.model.trim() ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Linux ${release()}, Node ${process.version}`;
}

export function loadAvg(): string {
  return loadavg().map((x) => x.toFixed(1)).join(' ');
}

export interface Env {
  s3: S3Store;
  tmp: string;
  /** The store with `latencyMs` added to every GET (FaultStore), or the plain store for 0. */
  withLatency(latencyMs: number): BlockSource;
  close(): Promise<void>;
}

export async function setupEnv(name: string): Promise<Env> {
  const tmp = mkdtempSync(join(tmpdir(), `strata-bench-${name}-`));
  const { cfg, minio } = await benchS3(join(tmp, 'minio'));
  const s3 = new S3Store({ ...cfg, prefix: `cache-bench-${Date.now()}` });
  return {
    s3,
    tmp,
    withLatency: (ms) => (ms > 0 ? new FaultStore(s3, { seed: 1, latencyMs: { get: ms } }) : s3),
    close: async () => {
      await s3.close();
      await minio?.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Uploads `count` objects of `size` random bytes (4 at a time); returns their refs in key order. */
export async function upload(s3: S3Store, prefix: string, count: number, size: number): Promise<ObjectRef[]> {
  const base = randomBytes(size);
  const refs: ObjectRef[] = new Array(count);
  for (let i = 0; i < count; i += 4) {
    await Promise.all(
      Array.from({ length: Math.min(4, count - i) }, async (_, j) => {
        const key = `${prefix}/${String(i + j).padStart(6, '0')}`;
        const body = Buffer.from(base);
        body.writeUInt32BE(i + j, 0); // distinct contents
        const { etag } = await s3.put(key, body);
        refs[i + j] = { key, etag, size };
      }),
    );
  }
  return refs;
}

export interface Timed {
  seconds: number;
  bytes: number;
  mibPerSec: number;
  /** CPU seconds this process used meanwhile (all its threads; not MinIO's), per GiB moved. */
  cpuSecPerGiB: number;
}

export async function timed(bytes: number, fn: () => Promise<void>): Promise<Timed> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const cpu = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, bytes, mibPerSec: bytes / MiB / seconds, cpuSecPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / 2 ** 30) };
}

/** Runs `tasks` with at most `concurrency` at a time. */
export async function pool(concurrency: number, tasks: Array<() => Promise<void>>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/** Plain ranged GETs of every `blockSize` range of every object, `concurrency` at a time (no cache). */
export function rawRanges(refs: ObjectRef[], blockSize: number): Array<{ obj: ObjectRef; offset: number; length: number }> {
  const out = [];
  for (const obj of refs) for (let off = 0; off < obj.size; off += blockSize) out.push({ obj, offset: off, length: Math.min(blockSize, obj.size - off) });
  return out;
}

export async function rawGets(source: BlockSource, ranges: Array<{ obj: ObjectRef; offset: number; length: number }>, concurrency: number): Promise<void> {
  await pool(
    concurrency,
    ranges.map((r) => async () => {
      const got = await source.get(r.obj.key, { range: { offset: r.offset, length: r.length } });
      if (got.body.length !== r.length) throw new Error(`short read of ${r.obj.key}`);
    }),
  );
}

/** Prefetched blocks never read (evicted unread, or still unread at the end) as a share of bytes read. */
export function wastedShare(cache: TieredCache, bytesRead: number): { issued: number; wastedBlocks: number; wastedPct: number } {
  const p = cache.stats().prefetch;
  const wastedBlocks = p.issued - p.used - p.late;
  return { issued: p.issued, wastedBlocks, wastedPct: (100 * wastedBlocks * cache.blockSize) / bytesRead };
}

export const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
