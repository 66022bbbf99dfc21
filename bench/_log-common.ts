/**
 * Shared setup of the log benchmarks (bench/log-*.ts): fs and MinIO stores (a private MinIO, or
 * STRATA_BENCH_S3_*), a PUT/GET-counting wrapper, percentiles and the machine line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { FsStore } from '../src/store/fs.js';
import { S3Store } from '../src/store/s3.js';
import type { ObjectStore } from '../src/store/types.js';
import type { MinioServer } from '../test/support/minio.js';
import { benchS3 } from './_s3.js';
export { args, loadAvg, machine } from './_cache-common.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const quiet = pino({ level: 'silent' });

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Counts requests by kind; everything else passes through. */
export class Counting implements ObjectStore {
  counts = { get: 0, put: 0, head: 0, list: 0, delete: 0 };
  constructor(readonly inner: ObjectStore) {}
  get kind(): string {
    return this.inner.kind;
  }
  get location(): string {
    return this.inner.location;
  }
  get: ObjectStore['get'] = (...a) => (this.counts.get++, this.inner.get(...a));
  put: ObjectStore['put'] = (...a) => (this.counts.put++, this.inner.put(...a));
  head: ObjectStore['head'] = (...a) => (this.counts.head++, this.inner.head(...a));
  list: ObjectStore['list'] = (...a) => (this.counts.list++, this.inner.list(...a));
  delete: ObjectStore['delete'] = (...a) => (this.counts.delete++, this.inner.delete(...a));
  check = (): Promise<void> => this.inner.check();
  close = (): Promise<void> => this.inner.close();
}

export interface Backend {
  name: 'fs' | 'minio';
  /** A fresh, empty store (own directory / prefix). */
  fresh(tag: string): ObjectStore;
}

export async function backends(names: string[]): Promise<{ list: Backend[]; close(): Promise<void> }> {
  const tmp = mkdtempSync(join(tmpdir(), 'strata-bench-log-'));
  let minio: MinioServer | undefined;
  const list: Backend[] = [];
  const opened: ObjectStore[] = [];
  if (names.includes('fs')) {
    list.push({ name: 'fs', fresh: (tag) => track(new FsStore({ dir: join(tmp, 'fs', tag) })) });
  }
  if (names.includes('minio')) {
    const s3 = await benchS3(join(tmp, 'minio'));
    minio = s3.minio;
    const cfg = s3.cfg;
    const run = Date.now();
    list.push({ name: 'minio', fresh: (tag) => track(new S3Store({ ...cfg, forcePathStyle: true, prefix: `log-bench-${run}/${tag}` })) });
  }
  function track(s: ObjectStore): ObjectStore {
    opened.push(s);
    return s;
  }
  return {
    list,
    close: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await minio?.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Latencies (ms) of `n` sequential PUTs of `size`-byte objects. */
export async function rawPuts(store: ObjectStore, size: number, n: number): Promise<number[]> {
  const body = Buffer.alloc(size, 7);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await store.put(`raw-put/${size}/${i}`, body, { ifNoneMatch: '*' });
    out.push(performance.now() - t0);
  }
  return out;
}
