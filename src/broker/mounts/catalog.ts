/**
 * What a mount persists in the broker's own store (never in the source), all built by Keys:
 *   meta/mounts/<ns>/<topic>.json                        the MountSpec
 *   meta/mounts/<ns>/<topic>/objects/<20d first>.json    appended chunks of discovered objects (never rewritten)
 *   meta/mounts/<ns>/<topic>/counts/<20d first>.json     appended chunks of per-object record counts (record formats)
 *   meta/mounts/<ns>/<topic>/index/<20d object>.json     the record index of one object version
 * Chunks are append-only and created with ifNoneMatch '*', so a restart rebuilds the exact same offsets.
 */
import { isStrataError } from '../../errors.js';
import type { Keys } from '../../store/keys.js';
import { listAll, type ObjectStore } from '../../store/types.js';
import type { MountObject, MountSpec, RecordIndex } from './types.js';

const KIND = 'mounts';

interface ObjectsChunk {
  first: number;
  objects: Array<[key: string, etag: string, size: number, time: number]>;
}
interface CountsChunk {
  first: number;
  counts: number[];
}
interface StoredIndex extends RecordIndex {
  etag: string;
}

export class MountCatalog {
  constructor(
    private readonly store: ObjectStore,
    private readonly keys: Keys,
  ) {}

  async saveSpec(spec: MountSpec): Promise<void> {
    await this.store.put(this.keys.meta(KIND, spec.namespace, spec.topic), Buffer.from(JSON.stringify(spec)), { ifNoneMatch: '*', contentType: 'application/json' });
  }

  async listSpecs(): Promise<MountSpec[]> {
    const specs: MountSpec[] = [];
    for await (const o of listAll(this.store, { prefix: this.keys.metaPrefix(KIND) })) {
      if (!this.keys.parseMeta(o.key, KIND)) continue;
      specs.push(JSON.parse((await this.store.get(o.key)).body.toString('utf8')) as MountSpec);
    }
    return specs;
  }

  /** Deletes the spec and everything the mount persisted. */
  async remove(ns: string, topic: string): Promise<void> {
    await this.store.delete(this.keys.meta(KIND, ns, topic));
    for (const part of ['objects', 'counts', 'index']) {
      const keys: string[] = [];
      for await (const o of listAll(this.store, { prefix: this.keys.metaNumberedPrefix(KIND, ns, `${topic}/${part}`) })) keys.push(o.key);
      for (const k of keys) await this.store.delete(k);
    }
  }

  async appendObjects(ns: string, topic: string, first: number, objects: MountObject[]): Promise<boolean> {
    const chunk: ObjectsChunk = { first, objects: objects.map((o) => [o.key, o.etag, o.size, o.time]) };
    return this.putOnce(this.keys.metaNumbered(KIND, ns, `${topic}/objects`, first), chunk);
  }

  async loadObjects(ns: string, topic: string): Promise<MountObject[]> {
    const out: MountObject[] = [];
    for (const chunk of await this.loadChunks<ObjectsChunk>(ns, topic, 'objects')) {
      if (chunk.first !== out.length) break; // a gap (should not happen): keep the consistent prefix
      for (const [key, etag, size, time] of chunk.objects) out.push({ key, etag, size, time });
    }
    return out;
  }

  async appendCounts(ns: string, topic: string, first: number, counts: number[]): Promise<boolean> {
    return this.putOnce(this.keys.metaNumbered(KIND, ns, `${topic}/counts`, first), { first, counts } satisfies CountsChunk);
  }

  async loadCounts(ns: string, topic: string): Promise<number[]> {
    const out: number[] = [];
    for (const chunk of await this.loadChunks<CountsChunk>(ns, topic, 'counts')) {
      if (chunk.first !== out.length) break;
      out.push(...chunk.counts);
    }
    return out;
  }

  async saveIndex(ns: string, topic: string, objectNo: number, etag: string, index: RecordIndex): Promise<void> {
    const doc: StoredIndex = { etag, ...index };
    await this.store.put(this.keys.metaNumbered(KIND, ns, `${topic}/index`, objectNo), Buffer.from(JSON.stringify(doc)), { contentType: 'application/json' });
  }

  /** The stored index of an object, only if it was built for this etag. */
  async loadIndex(ns: string, topic: string, objectNo: number, etag: string): Promise<RecordIndex | undefined> {
    try {
      const doc = JSON.parse((await this.store.get(this.keys.metaNumbered(KIND, ns, `${topic}/index`, objectNo))).body.toString('utf8')) as StoredIndex;
      if (doc.etag !== etag) return undefined;
      const { etag: _e, ...index } = doc;
      return index;
    } catch (err) {
      if (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  /**
   * Creates a chunk. true = it holds exactly `doc` (written now, or by an earlier attempt whose answer was lost);
   * false = another version exists (the caller's in-memory state is stale and must be reloaded).
   */
  private async putOnce(key: string, doc: unknown): Promise<boolean> {
    const body = Buffer.from(JSON.stringify(doc));
    try {
      await this.store.put(key, body, { ifNoneMatch: '*', contentType: 'application/json' });
      return true;
    } catch (err) {
      if (!isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED')) throw err;
      return (await this.store.get(key)).body.equals(body);
    }
  }

  private async loadChunks<T extends { first: number }>(ns: string, topic: string, part: string): Promise<T[]> {
    const name = `${topic}/${part}`;
    const chunks: T[] = [];
    for await (const o of listAll(this.store, { prefix: this.keys.metaNumberedPrefix(KIND, ns, name) })) {
      if (this.keys.parseMetaNumbered(o.key, KIND, ns, name) === undefined) continue;
      chunks.push(JSON.parse((await this.store.get(o.key)).body.toString('utf8')) as T);
    }
    return chunks.sort((a, b) => a.first - b.first);
  }
}
