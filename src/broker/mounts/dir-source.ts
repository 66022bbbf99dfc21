/**
 * A read-only ObjectStore over a local directory, for `file:///dir` mounts: keys are the '/'-joined
 * relative paths of regular files, listed in UTF-8 byte order like S3; the etag is derived from size, mtime
 * and inode, so a rewritten file gets a new etag. Writes are refused (a mount never writes its source).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '../../errors.js';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutResult } from '../../store/types.js';
import { compareKeys, notFound, pageSize, preconditionFailed, resolveRange, encodeToken, listStart } from '../../store/util.js';

export class DirSource implements ObjectStore {
  readonly kind = 'dir';
  readonly location: string;

  constructor(private readonly dir: string) {
    this.location = `file://${dir}`;
  }

  private async meta(key: string): Promise<ObjectMeta | undefined> {
    if (key.split('/').some((p) => p === '..' || p === '')) return undefined;
    try {
      const st = await stat(join(this.dir, key));
      if (!st.isFile()) return undefined;
      return { key, size: st.size, etag: `${st.size.toString(16)}-${Math.round(st.mtimeMs * 1000).toString(16)}-${st.ino.toString(16)}`, lastModified: st.mtime };
    } catch {
      return undefined;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const m = await this.meta(key);
    if (!m) throw notFound(key, this.location);
    if (options.ifMatch !== undefined && options.ifMatch !== m.etag) throw preconditionFailed(key, this.location, `etag is ${m.etag}, expected ${options.ifMatch}`);
    const [start, end] = resolveRange(options.range, m.size, key);
    const fh = await open(join(this.dir, key), 'r');
    try {
      const body = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < body.length) {
        const { bytesRead } = await fh.read(body, done, body.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      const after = await this.meta(key);
      if (done !== body.length || after?.etag !== m.etag) throw preconditionFailed(key, this.location, 'the file changed while it was read');
      return { ...m, body };
    } finally {
      await fh.close();
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    return this.meta(key);
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const max = pageSize(options);
    const prefix = options.prefix ?? '';
    const after = listStart(options);
    const keys = (await this.walk('')).filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0)).sort(compareKeys);
    const objects: ObjectMeta[] = [];
    let i = 0;
    for (; i < keys.length && objects.length < max; i++) {
      const m = await this.meta(keys[i]!);
      if (m) objects.push(m);
    }
    return i < keys.length && objects.length > 0 ? { objects, nextToken: encodeToken(objects[objects.length - 1]!.key) } : { objects };
  }

  private async walk(rel: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(join(this.dir, rel), { withFileTypes: true });
    } catch (err) {
      if (rel === '') throw new StrataError('STRATA_ERR_INVALID_REQUEST', `cannot read mount directory ${this.dir}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) out.push(...(await this.walk(key)));
      else if (e.isFile()) out.push(key);
    }
    return out;
  }

  put(): Promise<PutResult> {
    return Promise.reject(new StrataError('STRATA_ERR_READ_ONLY_TOPIC', 'a mount source is read-only'));
  }
  async delete(): Promise<void> {
    throw new StrataError('STRATA_ERR_READ_ONLY_TOPIC', 'a mount source is read-only');
  }
  async check(): Promise<void> {
    await this.walk('');
  }
  async close(): Promise<void> {}
}
