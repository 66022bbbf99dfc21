/**
 * One mounted topic (partition 0 only). Discovery appends source objects in key order (LIST with
 * startAfter = the last listed key, plus a periodic full LIST that appends late keys sorting earlier);
 * record formats then count the records of each object, in object order, and the high watermark only
 * moves over counts that are durable in meta/ — so an offset once served never moves.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { concatBytes } from '../../../cache/index.js';
import { StrataError } from '../../errors.js';
import { compareKeys } from '../../store/util.js';
import type { ObjectStore } from '../../store/types.js';
import type { MountCatalog } from './catalog.js';
import { indexObject, needsIndex } from './formats/index.js';
import { sourceError } from './reader.js';
import type { MountObject, MountRecord, MountSpec, MountStatus, ObjectRange, RangeReader, RecordIndex } from './types.js';
import type { ParsedSource } from './source.js';
import { MountNotifier, type StartWatch } from './watch.js';

/** Where a record lies in its source object. */
export interface Located {
  range: ObjectRange;
  key: string;
  time: number;
}

export interface MountOptions {
  pollIntervalMs: number;
  /** Every n-th poll lists the whole prefix to find keys that sort before the last one. */
  fullListEvery: number;
  indexConcurrency: number;
  logger?: Logger;
  /** Bucket notifications (watch.ts): 'auto' listens when `watch` can, 'off' only polls. Default 'auto'. */
  notifications?: 'auto' | 'off';
  /** Starts this mount's notification watcher; absent = the source cannot notify. */
  watch?: StartWatch;
  /** Coalescing window of notification-started polls. Default 25 ms. */
  notifyDebounceMs?: number;
  metrics?: Registry;
}

const INDEX_GROUP = 64;
const INDEX_CACHE = 512;

export class Mount {
  readonly objects: MountObject[] = [];
  private readonly known = new Set<string>();
  /** bases[i] = first offset of object i, for i ≤ number of counted objects. */
  private readonly bases: number[] = [0];
  private readonly indexes = new Map<number, RecordIndex>();
  private lastKey: string | undefined;
  private listing = true;
  private polls = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private csvHeader: string | undefined;
  private notifier: MountNotifier | undefined;

  constructor(
    readonly spec: MountSpec,
    private readonly source: ParsedSource,
    readonly store: ObjectStore,
    readonly reader: RangeReader,
    private readonly catalog: MountCatalog,
    private readonly options: MountOptions,
  ) {}

  private get prefix(): string {
    return this.source.kind === 's3' ? this.source.prefix : '';
  }

  /** Loads the persisted state, then polls in the background. */
  async open(): Promise<void> {
    await this.load();
    this.schedule(0);
    const o = this.options;
    this.notifier = new MountNotifier(
      {
        // a key already indexed was overwritten: polling ignores it too; one sorting before the last listed
        // key is only found by a full LIST (polling's every-n-th pass), so that is what the early poll runs
        pollFor: (key) => (this.known.has(key) ? undefined : { full: this.lastKey !== undefined && compareKeys(key, this.lastKey) <= 0 }),
        refresh: (options) => this.refresh(options),
      },
      { mode: o.notifications ?? 'auto', debounceMs: o.notifyDebounceMs, logger: o.logger, metrics: o.metrics, labels: { ns: this.spec.namespace, topic: this.spec.topic }, pollIntervalMs: o.pollIntervalMs },
    );
    this.notifier.start(o.watch);
  }

  /** (Re)builds the in-memory state from what is durable in meta/. */
  private async load(): Promise<void> {
    const { namespace: ns, topic } = this.spec;
    this.objects.length = 0;
    this.known.clear();
    this.bases.length = 1;
    this.indexes.clear();
    for (const o of await this.catalog.loadObjects(ns, topic)) this.addObject(o);
    if (needsIndex(this.spec.format)) for (const c of await this.catalog.loadCounts(ns, topic)) this.bases.push(this.bases[this.bases.length - 1]! + c);
    else for (let i = 0; i < this.objects.length; i++) this.bases.push(i + 1);
    this.lastKey = this.objects.reduce<string | undefined>((m, o) => (m === undefined || compareKeys(o.key, m) > 0 ? o.key : m), undefined);
  }

  private async conflict(what: string): Promise<void> {
    this.options.logger?.warn({ ns: this.spec.namespace, topic: this.spec.topic, what }, 'mount metadata changed under this node; reloading it');
    await this.load();
  }

  get highWatermark(): number {
    return this.bases[this.bases.length - 1]!;
  }
  get countedObjects(): number {
    return this.bases.length - 1;
  }

  status(): MountStatus {
    return {
      ...this.spec,
      readOnly: true,
      partitions: 1,
      highWatermark: this.highWatermark,
      progress: { objectsIndexed: this.countedObjects, objectsTotal: this.objects.length, listing: this.listing, ...(this.lastError ? { lastError: this.lastError } : {}) },
      ...(this.csvHeader !== undefined ? { csvHeader: this.csvHeader } : {}),
      ...(this.reader.stats ? { cache: pickStats(this.reader.stats()) } : {}),
      ...(this.notifier ? { notifications: this.notifier.status() } : {}),
    };
  }

  /** Runs one poll now (list + index) and resolves when it is done; `full` forces (or skips) a full LIST. */
  async refresh(options: { full?: boolean } = {}): Promise<void> {
    while (this.running) await this.running.catch(() => {});
    this.running = this.pollOnce(options.full).finally(() => (this.running = undefined));
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notifier?.close();
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await this.running.catch(() => {});
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.refresh()
        .catch(() => {})
        .finally(() => this.schedule(this.options.pollIntervalMs));
    }, ms);
    this.timer.unref?.();
  }

  private addObject(o: MountObject): void {
    this.objects.push(o);
    this.known.add(o.key);
  }

  private async pollOnce(forceFull?: boolean): Promise<void> {
    try {
      const full = forceFull ?? this.polls++ % this.options.fullListEvery === 0;
      await this.discover(full ? undefined : this.lastKey);
      this.listing = false;
      if (needsIndex(this.spec.format)) await this.countRecords();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.logger?.warn({ err, ns: this.spec.namespace, topic: this.spec.topic }, 'mount poll failed');
      throw err;
    }
  }

  /** Lists the source (from startAfter) and appends unknown keys, one persisted chunk per LIST page. */
  private async discover(startAfter: string | undefined): Promise<void> {
    const { namespace: ns, topic } = this.spec;
    let token: string | undefined;
    do {
      if (this.closed) return;
      const page = await this.store.list({ prefix: this.prefix, startAfter, continuationToken: token });
      token = page.nextToken;
      const fresh = page.objects.filter((o) => !this.known.has(o.key)).map((o) => ({ key: o.key, etag: o.etag, size: o.size, time: o.lastModified.getTime() }));
      if (fresh.length > 0) {
        if (!(await this.catalog.appendObjects(ns, topic, this.objects.length, fresh))) return this.conflict('objects');
        for (const o of fresh) {
          this.addObject(o);
          if (!needsIndex(this.spec.format)) this.bases.push(this.bases.length);
        }
      }
      const last = page.objects[page.objects.length - 1]?.key;
      if (last !== undefined && (this.lastKey === undefined || compareKeys(last, this.lastKey) > 0)) this.lastKey = last;
    } while (token);
  }

  /** Counts records of uncounted objects in order; each group's counts are made durable before use. */
  private async countRecords(): Promise<void> {
    const { namespace: ns, topic } = this.spec;
    while (!this.closed && this.countedObjects < this.objects.length) {
      const first = this.countedObjects;
      const group = this.objects.slice(first, first + INDEX_GROUP);
      const counts = new Array<number>(group.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < group.length) {
          const i = next++;
          counts[i] = (await this.buildIndex(first + i)).starts.length;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.options.indexConcurrency, group.length) }, worker));
      if (!(await this.catalog.appendCounts(ns, topic, first, counts))) return this.conflict('counts');
      for (const c of counts) this.bases.push(this.bases[this.bases.length - 1]! + c);
    }
  }

  /** Reads an object once and stores its record index (an object gone or changed counts 0 records). */
  private async buildIndex(objectNo: number): Promise<RecordIndex> {
    const o = this.objects[objectNo]!;
    let index: RecordIndex;
    try {
      index = (await this.catalog.loadIndex(this.spec.namespace, this.spec.topic, objectNo, o.etag)) ?? (await this.indexFromSource(objectNo));
    } catch (err) {
      const e = sourceError(err, { key: o.key, object: objectNo });
      if (e instanceof StrataError && e.code === 'STRATA_ERR_MOUNT_SOURCE_CHANGED') {
        this.options.logger?.warn({ key: o.key }, 'mounted object changed before it was indexed; it holds no records');
        index = { starts: [], ends: [] };
      } else throw e;
    }
    if (objectNo === 0 && index.header !== undefined) this.csvHeader = index.header;
    this.remember(objectNo, index);
    return index;
  }

  private async indexFromSource(objectNo: number): Promise<RecordIndex> {
    const o = this.objects[objectNo]!;
    const body = await this.reader.read(o, 0, o.size, { stream: `mount-index:${this.spec.namespace}/${this.spec.topic}` });
    const index = indexObject(this.spec.format, body);
    await this.catalog.saveIndex(this.spec.namespace, this.spec.topic, objectNo, o.etag, index);
    return index;
  }

  private remember(objectNo: number, index: RecordIndex): void {
    this.indexes.delete(objectNo);
    this.indexes.set(objectNo, index);
    if (this.indexes.size > INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!);
  }

  private async indexOf(objectNo: number): Promise<RecordIndex> {
    const hit = this.indexes.get(objectNo);
    if (hit) return hit;
    const o = this.objects[objectNo]!;
    try {
      const stored = await this.catalog.loadIndex(this.spec.namespace, this.spec.topic, objectNo, o.etag);
      if (stored) {
        this.remember(objectNo, stored);
        return stored;
      }
      const built = await this.indexFromSource(objectNo);
      this.remember(objectNo, built);
      return built;
    } catch (err) {
      throw sourceError(err, { key: o.key, object: objectNo });
    }
  }

  /** The object holding an offset: the last i with bases[i] ≤ offset. */
  private objectOf(offset: number): number {
    let lo = 0;
    let hi = this.bases.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.bases[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The source byte range and key of each offset (all < highWatermark). */
  async locate(offset: number): Promise<Located> {
    const objectNo = this.objectOfChecked(offset);
    return this.locateIn(objectNo, offset, needsIndex(this.spec.format) ? await this.indexOf(objectNo) : undefined);
  }

  /**
   * locate() of many offsets at once: the record indexes of the objects they fall in are loaded once each (in
   * parallel), the rest is synchronous. Throws the first failure (use locate() per offset to tell them apart).
   */
  async locateMany(offsets: readonly number[]): Promise<Located[]> {
    const objectNos = offsets.map((o) => this.objectOfChecked(o));
    if (!needsIndex(this.spec.format)) return offsets.map((o, i) => this.locateIn(objectNos[i]!, o, undefined));
    const missing = [...new Set(objectNos.filter((n) => !this.indexes.has(n)))];
    const loaded = new Map<number, RecordIndex>(await Promise.all(missing.map(async (n) => [n, await this.indexOf(n)] as const)));
    return offsets.map((o, i) => {
      const n = objectNos[i]!;
      return this.locateIn(n, o, this.indexes.get(n) ?? loaded.get(n)!);
    });
  }

  private objectOfChecked(offset: number): number {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.highWatermark) {
      throw new StrataError('STRATA_ERR_OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [0, ${this.highWatermark})`, { details: { offset, highWatermark: this.highWatermark } });
    }
    return this.objectOf(offset);
  }

  /** Where record `offset` of object `objectNo` lies (index: the object's record index; none for raw). */
  private locateIn(objectNo: number, offset: number, index: RecordIndex | undefined): Located {
    const o = this.objects[objectNo]!;
    if (!index) return { range: { obj: o, offset: 0, length: o.size }, key: o.key, time: o.time };
    const i = offset - this.bases[objectNo]!;
    if (i >= index.starts.length) throw new StrataError('STRATA_ERR_MOUNT_SOURCE_CHANGED', `record ${offset} is missing from the index of ${o.key}`, { details: { offset, key: o.key } });
    const start = index.starts[i]!;
    return { range: { obj: o, offset: start, length: index.ends[i]! - start }, key: index.keys?.[i] ?? '', time: o.time };
  }

  /** The record key of a located record: the object key (raw), the sample key (tar), none (jsonl, csv). */
  private recordKey(loc: Located): Buffer | null {
    return needsIndex(this.spec.format) && this.spec.format !== 'tar' ? null : Buffer.from(loc.key, 'utf8');
  }

  /**
   * Many records in one pass when the reader can lease many ranges at once (the tiered cache): values are views
   * of the cached blocks (a record straddling two blocks is copied), valid until `release()`. Undefined when
   * the reader cannot; a failure (e.g. one changed source object) fails the whole call — readOne() per record
   * tells which. `located`: locateMany(offsets) done earlier (for a prefetch hint), used when it succeeded.
   */
  async readMany(offsets: readonly number[], stream?: string, located?: Promise<Located[]>): Promise<{ records: MountRecord[]; release: () => void } | undefined> {
    const lease = this.reader.readLeaseMany?.bind(this.reader);
    if (!lease) return undefined;
    const locs = (await located?.catch(() => undefined)) ?? (await this.locateMany(offsets));
    const got = await lease(
      locs.map((l) => l.range),
      { stream },
    ).catch((err: unknown) => {
      // the failing object, when the error names it (a store error or the cache's CacheError does)
      const named = (err as { key?: unknown; details?: { key?: unknown } } | null) ?? {};
      throw sourceError(err, { key: named.details?.key ?? named.key ?? '(one of the batch)', batch: true });
    });
    const records = locs.map((loc, i): MountRecord => {
      const parts = got.parts[i]!;
      const value = parts.length === 1 ? parts[0]! : concatBytes(parts);
      return { offset: offsets[i]!, key: this.recordKey(loc), value, timestamp: loc.time };
    });
    return { records, release: got.release };
  }

  /** Reads one record through the reader (the cache when present). */
  async readOne(offset: number, stream?: string): Promise<MountRecord> {
    const loc = await this.locate(offset);
    let value: Buffer;
    try {
      value = await this.reader.read(loc.range.obj, loc.range.offset, loc.range.length, { stream });
    } catch (err) {
      throw sourceError(err, { offset, key: loc.range.obj.key, etag: loc.range.obj.etag });
    }
    return { offset, key: this.recordKey(loc), value, timestamp: loc.time };
  }
}

function pickStats(s: NonNullable<MountStatus['cache']>): MountStatus['cache'] {
  const { issued, used, wasted, late } = s.prefetch;
  return { hits: s.hits, misses: s.misses, gets: s.gets, prefetch: { issued, used, wasted, late } };
}
