/**
 * Helpers for the cache tests: an instrumented BlockSource wrapper (counts GETs, adds abortable latency,
 * records aborts, can fail) and deterministic object contents.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { BlockSource, TieredCache } from '../../cache/index.js';

/** Temp directories and caches of a test file: after each test the caches are closed and the directories removed. */
export function perTest(prefix: string): { tempDir(): string; track<C extends TieredCache>(c: C): C } {
  const dirs: string[] = [];
  const caches: TieredCache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir: () => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    track: (c) => {
      caches.push(c);
      return c;
    },
  };
}

type GetOpts = Parameters<BlockSource['get']>[1];

export class InstrumentedSource implements BlockSource {
  gets = 0;
  getBytes = 0;
  aborted = 0;
  /** Latency added to every GET, abortable by the GET's signal. */
  delayMs = 0;
  readonly ranges: Array<{ key: string; offset: number; length?: number }> = [];

  constructor(readonly inner: BlockSource) {}

  async get(key: string, opts: GetOpts): Promise<{ body: Buffer; etag: string; size: number }> {
    this.gets++;
    this.ranges.push({ key, offset: opts.range?.offset ?? 0, length: opts.range?.length });
    if (this.delayMs > 0) await sleep(this.delayMs, opts.signal).catch((err) => {
      this.aborted++;
      throw err;
    });
    try {
      const r = await this.inner.get(key, opts);
      this.getBytes += r.body.length;
      return r;
    } catch (err) {
      if ((err as Error).name === 'AbortError' || opts.signal?.aborted) this.aborted++;
      throw err;
    }
  }

  head(key: string): Promise<{ size: number; etag: string } | undefined> {
    return this.inner.head(key);
  }

  reset(): void {
    this.gets = 0;
    this.getBytes = 0;
    this.aborted = 0;
    this.ranges.length = 0;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Deterministic bytes for (key, version): a reader can check every byte it got. */
export function contentOf(key: string, size: number, version = 1): Buffer {
  return contentRange(key, version, 0, size);
}

/** Bytes [offset, offset+length) of contentOf(key, ·, version), without building the whole object. */
export function contentRange(key: string, version: number, offset: number, length: number): Buffer {
  let seed = version * 7919;
  for (const ch of key) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const buf = Buffer.allocUnsafe(length);
  for (let j = 0; j < length; j++) {
    const i = offset + j;
    buf[j] = (seed + i * 131 + (i >>> 8) * 17) & 0xff;
  }
  return buf;
}

/** A BlockSource whose objects are generated: key → contentOf(key, size, version), etag `v<version>`. */
export class GeneratedSource implements BlockSource {
  constructor(
    readonly size: number,
    readonly version = 1,
  ) {}

  async get(key: string, opts: GetOpts): Promise<{ body: Buffer; etag: string; size: number }> {
    const etag = `v${this.version}`;
    if (opts.ifMatch !== undefined && opts.ifMatch !== etag) throw Object.assign(new Error('etag changed'), { code: 'STRATA_ERR_PRECONDITION_FAILED' });
    const offset = opts.range?.offset ?? 0;
    const length = Math.min(opts.range?.length ?? this.size, this.size - offset);
    return { body: contentRange(key, this.version, offset, length), etag, size: this.size };
  }

  async head(): Promise<{ size: number; etag: string }> {
    return { size: this.size, etag: `v${this.version}` };
  }
}

/** Sum of the sizes of the files in dir (what the SSD tier really occupies). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

export function blockFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.blk'));
}
