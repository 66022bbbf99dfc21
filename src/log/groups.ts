/**
 * Consumer-group offsets, stored durably as one JSON document per group at
 * Keys.meta('groups', namespace, <group>) (docs/reference/storage-format.md, "Group offsets").
 * Writes are compare-and-swap on the document's etag (ifMatch / ifNoneMatch '*'), so two nodes
 * committing at once never lose each other's partitions. Group names that are not valid key
 * segments are stored base64url-encoded with a "b64-" prefix.
 */
import { isStrataError } from '../errors.js';
import { isValidName, type Keys } from '../store/keys.js';
import { listAll, type ObjectStore } from '../store/types.js';
import type { GroupOffset } from './types.js';

interface GroupDoc {
  group: string;
  offsets: GroupOffset[];
  updatedAt: number;
}

export function groupFileName(group: string): string {
  return isValidName(group) && !group.startsWith('b64-') ? group : 'b64-' + Buffer.from(group, 'utf8').toString('base64url');
}

export class GroupStore {
  private readonly cache = new Map<string, { doc: GroupDoc; etag: string }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly keys: Keys,
  ) {}

  private key(ns: string, group: string): string {
    return this.keys.meta('groups', ns, groupFileName(group));
  }

  private async load(ns: string, group: string): Promise<{ doc: GroupDoc; etag: string } | undefined> {
    try {
      const { body, etag } = await this.store.get(this.key(ns, group));
      const v = { doc: JSON.parse(body.toString('utf8')) as GroupDoc, etag };
      this.cache.set(`${ns}/${group}`, v);
      return v;
    } catch (err) {
      if (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) {
        this.cache.delete(`${ns}/${group}`);
        return undefined;
      }
      throw err;
    }
  }

  async commit(ns: string, group: string, offsets: GroupOffset[]): Promise<void> {
    const id = `${ns}/${group}`;
    const run = (this.locks.get(id) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      let cur = this.cache.get(id) ?? (await this.load(ns, group));
      for (let attempt = 0; ; attempt++) {
        const merged = new Map<string, GroupOffset>();
        for (const o of cur?.doc.offsets ?? []) merged.set(`${o.topic}\0${o.partition}`, o);
        for (const o of offsets) merged.set(`${o.topic}\0${o.partition}`, o);
        const doc: GroupDoc = { group, offsets: [...merged.values()], updatedAt: Date.now() };
        try {
          const body = Buffer.from(JSON.stringify(doc), 'utf8');
          const { etag } = await this.store.put(this.key(ns, group), body, cur ? { ifMatch: cur.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
          this.cache.set(id, { doc, etag });
          return;
        } catch (err) {
          if (!isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED') || attempt > 10) throw err;
          cur = await this.load(ns, group);
        }
      }
    });
    this.locks.set(id, run);
    try {
      await run;
    } finally {
      if (this.locks.get(id) === run) this.locks.delete(id);
    }
  }

  async fetch(ns: string, group: string): Promise<GroupOffset[]> {
    const v = await this.load(ns, group);
    return v ? v.doc.offsets.map((o) => ({ ...o })) : [];
  }

  async list(ns: string): Promise<string[]> {
    const out: string[] = [];
    for await (const o of listAll(this.store, { prefix: this.keys.metaPrefix('groups', ns) })) {
      const name = this.keys.parseMeta(o.key, 'groups')?.name;
      if (name) out.push(name.startsWith('b64-') ? Buffer.from(name.slice(4), 'base64url').toString('utf8') : name);
    }
    return out;
  }

  async delete(ns: string, group: string): Promise<void> {
    await this.store.delete(this.key(ns, group));
    this.cache.delete(`${ns}/${group}`);
  }
}
