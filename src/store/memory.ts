/**
 * MemoryStore: an ObjectStore held in a Map, for unit tests of the modules above the store. It follows the
 * contract exactly (etags, ranges, conditional puts, UTF-8 list order, pagination) and copies every buffer
 * in and out so callers cannot change stored bytes by accident. Each write gets a fresh etag
 * (md5 of the content plus a write counter), so even rewriting the same bytes changes the etag.
 */
import { createHash } from 'node:crypto';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult } from './types.js';
import { checkKeyBasic, compareKeys, encodeToken, listStart, notFound, pageSize, preconditionFailed, resolveRange, throwIfAborted } from './util.js';

interface Entry {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export class MemoryStore implements ObjectStore {
  readonly kind = 'memory';
  readonly location: string;
  private readonly objects = new Map<string, Entry>();
  private sorted: string[] | undefined;
  private writes = 0;

  constructor(name = 'default') {
    this.location = `memory://${name}`;
  }

  /** Number of objects held (for tests). */
  get size(): number {
    return this.objects.size;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    throwIfAborted(options.signal);
    checkKeyBasic(key);
    const entry = this.objects.get(key);
    if (!entry) throw notFound(key, this.location);
    if (options.ifMatch !== undefined && options.ifMatch !== entry.etag) {
      throw preconditionFailed(key, this.location, `etag is ${entry.etag}, expected ${options.ifMatch}`);
    }
    const [start, end] = resolveRange(options.range, entry.body.length, key);
    return { ...this.meta(key, entry), body: Buffer.from(entry.body.subarray(start, end)) };
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(options.signal);
    checkKeyBasic(key);
    const existing = this.objects.get(key);
    if (options.ifNoneMatch === '*' && existing) throw preconditionFailed(key, this.location, 'the object already exists');
    if (options.ifMatch !== undefined) {
      if (!existing) throw preconditionFailed(key, this.location, 'the object does not exist');
      if (existing.etag !== options.ifMatch) throw preconditionFailed(key, this.location, `etag is ${existing.etag}, expected ${options.ifMatch}`);
    }
    const copy = Buffer.from(body);
    const etag = createHash('md5').update(copy).update(String(++this.writes)).digest('hex');
    if (!existing) this.sorted = undefined;
    this.objects.set(key, { body: copy, etag, lastModified: new Date() });
    return { etag };
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectMeta | undefined> {
    throwIfAborted(options.signal);
    checkKeyBasic(key);
    const entry = this.objects.get(key);
    return entry ? this.meta(key, entry) : undefined;
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    throwIfAborted(options.signal);
    const max = pageSize(options);
    const prefix = options.prefix ?? '';
    const after = listStart(options);
    const keys = this.sortedKeys();
    let i = after === undefined ? 0 : upperBound(keys, after);
    if (prefix && (after === undefined || compareKeys(prefix, after) > 0)) i = Math.max(i, lowerBound(keys, prefix));
    const objects: ObjectMeta[] = [];
    for (; i < keys.length && objects.length < max; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      objects.push(this.meta(key, this.objects.get(key)!));
    }
    const more = i < keys.length && keys[i]!.startsWith(prefix);
    return more ? { objects, nextToken: encodeToken(objects[objects.length - 1]!.key) } : { objects };
  }

  async delete(key: string): Promise<void> {
    checkKeyBasic(key);
    if (this.objects.delete(key)) this.sorted = undefined;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {}

  /** Removes everything (for tests). */
  clear(): void {
    this.objects.clear();
    this.sorted = undefined;
  }

  private meta(key: string, entry: Entry): ObjectMeta {
    return { key, size: entry.body.length, etag: entry.etag, lastModified: entry.lastModified };
  }

  private sortedKeys(): string[] {
    this.sorted ??= [...this.objects.keys()].sort(compareKeys);
    return this.sorted;
  }
}

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > k. */
function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, k) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
