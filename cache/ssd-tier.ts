/**
 * SSD tier: a byte-bounded directory of block files that survives restart.
 * - open() rebuilds the index from the directory (oldest mtime evicted first) and deletes leftover *.tmp files.
 * - A block is written to `<name>.<random>.tmp` and renamed into place, so a reader never sees a partial
 *   file under the final name; every read verifies magic, CRCs, id and length (block-file.ts) and drops a bad
 *   file. No fsync: a process crash keeps the page cache, and after a power loss a torn file fails its CRC.
 * - Space is reserved before a write (under a lock, evicting LRU files first), so the bytes on disk never
 *   exceed the budget, in-flight writes included.
 * - A failing disk (ENOSPC, EACCES, EROFS…) never fails a read: the write is dropped, counted, logged once
 *   per error code, and writes pause for a few seconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBlockFile, encodeBlockFile, encodedSize, headerSize } from './block-file.js';
import { IN_PLACE, type BlockIo } from './block-worker.js';
import type { CacheLogger } from './types.js';

const PAUSE_AFTER_ERROR_MS = 5_000;
const WRITE_CONCURRENCY = 2;

export class SsdTier {
  /** file name → size in bytes; Map order is LRU order (first = coldest). */
  private readonly index = new Map<string, number>();
  private used = 0;
  private lock: Promise<void> = Promise.resolve();
  private pending = 0;
  private writing = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private pausedUntil = 0;
  private readonly loggedErrors = new Set<string>();
  evictions = 0;
  writeErrors = 0;
  readErrors = 0;
  corrupt = 0;
  writesSkipped = 0;

  constructor(
    readonly dir: string,
    readonly budget: number,
    private readonly maxPending: number,
    private readonly logger?: CacheLogger,
    /** Reads and checksums blocks (a BlockWorker: off the event loop for blocks in shared memory). */
    private readonly io: BlockIo = IN_PLACE,
  ) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const files: Array<{ name: string; size: number; mtime: number }> = [];
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await unlink(path).catch(() => {});
      } else if (name.endsWith('.blk')) {
        const s = await stat(path).catch(() => undefined);
        if (s?.isFile()) files.push({ name, size: s.size, mtime: s.mtimeMs });
      }
    }
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      this.index.set(f.name, f.size);
      this.used += f.size;
    }
    await this.withLock(() => this.evictUntil(0));
  }

  has(id: string): boolean {
    return this.index.has(fileName(id));
  }

  /**
   * The block's data, or undefined when absent or corrupt (a corrupt file is deleted). One preadv reads the
   * header and the data (in a worker thread for shared-memory blocks, see block-worker.ts); the data lands in
   * `into` when it has exactly the data's length (a recycled buffer), else in a new buffer. `into` may hold
   * garbage afterwards when the result is undefined.
   */
  async read(id: string, into?: Buffer): Promise<Buffer | undefined> {
    const name = fileName(id);
    const size = this.index.get(name);
    if (size === undefined) return undefined;
    const headerLength = headerSize(id);
    const dataLength = size - headerLength;
    const data = into?.length === dataLength ? into : Buffer.allocUnsafe(Math.max(0, dataLength));
    let corrupt: string | undefined;
    try {
      const r = await this.io.readBlock(join(this.dir, name), headerLength, data);
      corrupt = r.bytesRead !== size || dataLength < 0 ? 'length mismatch' : checkBlockFile(id, r.header, data, r.crc);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.readErrors++;
        this.logOnce('read', err, 'SSD cache read failed; serving from the store');
      }
      this.forget(name);
      return undefined;
    }
    if (corrupt) {
      this.corrupt++;
      this.logger?.warn({ code: 'STRATA_ERR_CACHE_CORRUPT_BLOCK', file: name, reason: corrupt }, 'corrupt SSD cache block dropped; re-fetching');
      this.forget(name);
      await unlink(join(this.dir, name)).catch(() => {});
      return undefined;
    }
    if (this.index.has(name)) {
      this.index.delete(name); // touch: move to the hot end
      this.index.set(name, size);
    }
    return data;
  }

  /** Writes the block in the background; never throws. Resolves when done (or skipped). */
  async write(id: string, data: Buffer): Promise<void> {
    const name = fileName(id);
    const size = encodedSize(id, data.length);
    if (this.index.has(name)) return;
    if (this.pending >= this.maxPending || Date.now() < this.pausedUntil || size > this.budget) {
      this.writesSkipped++;
      return;
    }
    this.pending++;
    try {
      if (!(await this.withLock(() => this.reserve(size)))) {
        this.writesSkipped++;
        return;
      }
      const tmp = join(this.dir, `${name}.${randomBytes(6).toString('hex')}.tmp`);
      await this.writeSlot();
      try {
        const [header, body] = encodeBlockFile(id, data, await this.io.crc(data));
        const fh = await open(tmp, 'wx');
        try {
          const total = header!.length + body!.length;
          let done = (await fh.writev([header!, body!])).bytesWritten; // no copy of the block
          while (done < total) {
            const rest = done < header!.length ? Buffer.concat([header!.subarray(done), body!]) : body!.subarray(done - header!.length);
            const n = (await fh.write(rest, 0, rest.length, done)).bytesWritten;
            if (n <= 0) throw new Error('short write');
            done += n;
          }
        } finally {
          await fh.close();
        }
        await rename(tmp, join(this.dir, name));
        if (this.index.has(name)) this.used -= this.index.get(name)!; // a concurrent writer won the race
        this.index.set(name, size);
      } catch (err) {
        this.used -= size;
        this.writeErrors++;
        this.pausedUntil = Date.now() + PAUSE_AFTER_ERROR_MS;
        this.logOnce('write', err, 'SSD cache write failed (disk full or not writable); serving from the store');
        await unlink(tmp).catch(() => {});
      } finally {
        this.releaseSlot();
      }
    } finally {
      this.pending--;
    }
  }

  get bytes(): number {
    return this.used;
  }

  get blocks(): number {
    return this.index.size;
  }

  /** Waits for in-progress index work (tests, close). */
  async settle(): Promise<void> {
    await this.withLock(async () => {});
  }

  /** At most WRITE_CONCURRENCY block writes at once: they must not crowd libuv's pool or the reader's CPU. */
  private writeSlot(): Promise<void> {
    if (this.writing < WRITE_CONCURRENCY) {
      this.writing++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.writing--;
  }

  private forget(name: string): void {
    const size = this.index.get(name);
    if (size === undefined) return;
    this.index.delete(name);
    this.used -= size;
  }

  private async reserve(size: number): Promise<boolean> {
    await this.evictUntil(size);
    if (this.used + size > this.budget) return false; // the rest is held by writes in progress
    this.used += size;
    return true;
  }

  /** Evicts the coldest files until `room` more bytes fit in the budget. */
  private async evictUntil(room: number): Promise<void> {
    while (this.used + room > this.budget && this.index.size > 0) {
      const [name, size] = this.index.entries().next().value as [string, number];
      this.index.delete(name);
      this.evictions++;
      await unlink(join(this.dir, name)).catch(() => {});
      this.used -= size;
    }
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private logOnce(op: string, err: unknown, msg: string): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    if (this.loggedErrors.has(`${op}:${code}`)) return;
    this.loggedErrors.add(`${op}:${code}`);
    this.logger?.warn({ code: 'STRATA_ERR_CACHE_DISK_FULL', errno: code, dir: this.dir, err: (err as Error).message }, msg);
  }
}

function fileName(id: string): string {
  return `${createHash('sha256').update(id).digest('hex').slice(0, 40)}.blk`;
}
