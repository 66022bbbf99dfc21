/**
 * FsStore: the embedded default ObjectStore, a local directory. Key `a/b/c` is the file `<dir>/a/b/c`.
 *
 * - Writes are atomic: a temp file in the target's directory, fsync, rename (or link), fsync the directory.
 * - ifNoneMatch '*' uses link(2), which fails if the target exists: atomic across processes.
 * - Every mutation of a key (put, delete) holds the key's lock file (fs-lock.ts), so ifMatch's
 *   compare-and-rename is safe across processes too.
 * - etag = inode + mtime (ns) + size in hex: cheap, and new on every write (each write is a new inode with
 *   a randomised sub-millisecond mtime, so even a reused inode of the same size gets a new etag).
 * - Names starting with `.strata-` are reserved (temp and lock files) and never listed.
 * - Like MinIO, an object cannot also be a "directory" of other keys (`a` and `a/b` cannot both exist).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StrataError } from '../errors.js';
import { ioError, RESERVED_PREFIX, withLock, type LockOptions } from './fs-lock.js';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult } from './types.js';
import { checkKeyBasic, compareKeys, encodeToken, listStart, notFound, pageSize, preconditionFailed, resolveRange, throwIfAborted } from './util.js';

export interface FsStoreOptions {
  /** Root directory; created if missing. */
  dir: string;
  /** fsync files and directories on write (default true). Turning it off loses durability on power loss. */
  fsync?: boolean;
  lock?: LockOptions;
}

type Stats = BigIntStats;

function etagOf(st: Stats): string {
  return `${st.ino.toString(16)}-${st.mtimeNs.toString(16)}-${st.size.toString(16)}`;
}

/** `<dir>/.strata-lock-<name>`; long names are hashed to stay under NAME_MAX. */
function lockPathOf(path: string): string {
  const dir = dirname(path);
  const name = path.slice(dir.length + 1);
  const tag = Buffer.byteLength(name) > 200 ? createHash('sha256').update(name).digest('hex') : name;
  return join(dir, `${RESERVED_PREFIX}lock-${tag}`);
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

export class FsStore implements ObjectStore {
  readonly kind = 'fs';
  readonly location: string;
  readonly dir: string;
  private readonly fsync: boolean;
  private readonly lockOptions: LockOptions;

  constructor(options: FsStoreOptions) {
    this.dir = resolve(options.dir);
    this.location = pathToFileURL(this.dir).href;
    this.fsync = options.fsync ?? true;
    this.lockOptions = options.lock ?? {};
  }

  /** Maps a key to its path, rejecting anything that could escape the root or clash with our own files. */
  pathOf(key: string): string {
    checkKeyBasic(key);
    const segments = key.split('/');
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..' || s.startsWith(RESERVED_PREFIX) || s.includes('\0') || s.includes('\\') || Buffer.byteLength(s) > 255) {
        throw new StrataError('STRATA_ERR_INVALID_REQUEST', `object key ${JSON.stringify(key)} cannot be stored in a directory store (empty, '.', '..', reserved or too long segment)`, {
          details: { key },
        });
      }
    }
    return join(this.dir, ...segments);
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    throwIfAborted(options.signal);
    const path = this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR' || errno(err) === 'EISDIR') throw notFound(key, this.location);
      throw ioError(err, path, 'open');
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw notFound(key, this.location);
      const meta = this.meta(key, st);
      if (options.ifMatch !== undefined && options.ifMatch !== meta.etag) {
        throw preconditionFailed(key, this.location, `etag is ${meta.etag}, expected ${options.ifMatch}`);
      }
      const [start, end] = resolveRange(options.range, meta.size, key);
      const body = options.into && options.into.length >= end - start ? options.into.subarray(0, end - start) : Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < body.length) {
        throwIfAborted(options.signal);
        const { bytesRead } = await fh.read(body, done, body.length - done, start + done);
        if (bytesRead === 0) break; // truncated meanwhile: cannot happen with rename-only writers
        done += bytesRead;
      }
      return { ...meta, body: done === body.length ? body : body.subarray(0, done) };
    } catch (err) {
      if (errno(err) === 'EISDIR') throw notFound(key, this.location);
      throw ioError(err, path, 'read');
    } finally {
      await fh.close();
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(options.signal);
    const path = this.pathOf(key);
    const dir = dirname(path);
    const lockPath = lockPathOf(path);
    await this.mkdirs(dir);
    return withLock(lockPath, dir, async () => {
      throwIfAborted(options.signal);
      if (options.ifMatch !== undefined) {
        const current = await this.statOf(path);
        if (!current) throw preconditionFailed(key, this.location, 'the object does not exist');
        if (etagOf(current) !== options.ifMatch) throw preconditionFailed(key, this.location, `etag is ${etagOf(current)}, expected ${options.ifMatch}`);
      }
      const tmp = join(dir, `${RESERVED_PREFIX}tmp-${randomBytes(8).toString('hex')}`);
      let st: Stats;
      try {
        const fh = await open(tmp, 'wx', 0o644);
        try {
          await fh.writeFile(body);
          // Kernel file times are coarse (a jiffy), and inodes get reused: a random sub-millisecond mtime keeps
          // etags (inode+mtime+size) from ever repeating, so a stale ifMatch cannot match a newer write (ABA).
          const now = Date.now() / 1000 + Math.random() / 1000;
          await fh.utimes(now, now);
          if (this.fsync) await fh.sync();
          st = await fh.stat({ bigint: true });
        } finally {
          await fh.close();
        }
        if (options.ifNoneMatch === '*') {
          try {
            await link(tmp, path); // fails with EEXIST if the key exists, even against other processes
          } catch (err) {
            if (errno(err) === 'EEXIST') throw preconditionFailed(key, this.location, 'the object already exists');
            throw err;
          }
          await unlink(tmp);
        } else {
          await rename(tmp, path);
        }
      } catch (err) {
        await unlink(tmp).catch(() => {});
        if (errno(err) === 'EISDIR' || errno(err) === 'ENOTDIR' || errno(err) === 'EPERM') {
          throw new StrataError('STRATA_ERR_INVALID_REQUEST', `object key ${key} clashes with a prefix of other keys in ${this.location}`, { details: { key } });
        }
        throw ioError(err, path, 'write');
      }
      if (this.fsync) await this.syncDir(dir);
      return { etag: etagOf(st) };
    }, this.lockOptions);
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectMeta | undefined> {
    throwIfAborted(options.signal);
    const path = this.pathOf(key);
    const st = await this.statOf(path);
    return st ? this.meta(key, st) : undefined;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    if (!(await this.statOf(path))) return;
    const lockPath = lockPathOf(path);
    await withLock(lockPath, dir, async () => {
      try {
        await unlink(path);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw ioError(err, path, 'delete');
      }
      if (this.fsync) await this.syncDir(dir);
    }, this.lockOptions);
    await this.pruneEmptyDirs(dir);
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    throwIfAborted(options.signal);
    const max = pageSize(options);
    const prefix = options.prefix ?? '';
    const after = listStart(options);
    const objects: ObjectMeta[] = [];
    let more = false;
    for await (const meta of this.walk(this.dir, '', prefix, after)) {
      if (objects.length === max) {
        more = true;
        break;
      }
      objects.push(meta);
    }
    return more ? { objects, nextToken: encodeToken(objects[objects.length - 1]!.key) } : { objects };
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      const probe = join(this.dir, `${RESERVED_PREFIX}check-${randomBytes(6).toString('hex')}`);
      await (await open(probe, 'wx')).close();
      await unlink(probe);
    } catch (err) {
      throw ioError(err, this.dir, 'check (create and write the data directory)');
    }
  }

  async close(): Promise<void> {}

  /** Walks `dir` (key prefix `base`) in UTF-8 key order, pruning subtrees outside prefix or before `after`. */
  private async *walk(dir: string, base: string, prefix: string, after: string | undefined): AsyncGenerator<ObjectMeta> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
      throw ioError(err, dir, 'list');
    }
    // A directory `d` contributes keys starting with `d/`: sort by that so the walk yields byte order.
    const items = entries
      .filter((e) => !e.name.startsWith(RESERVED_PREFIX) && (e.isDirectory() || e.isFile()))
      .map((e) => ({ name: e.name, isDir: e.isDirectory(), sortKey: base + e.name + (e.isDirectory() ? '/' : '') }))
      .sort((x, y) => compareKeys(x.sortKey, y.sortKey));
    for (const item of items) {
      const key = item.sortKey;
      if (item.isDir) {
        if (!(prefix.startsWith(key) || key.startsWith(prefix))) continue;
        if (after !== undefined && compareKeys(key, after) <= 0 && !after.startsWith(key)) continue;
        yield* this.walk(join(dir, item.name), key, prefix, after);
      } else {
        if (!key.startsWith(prefix)) continue;
        if (after !== undefined && compareKeys(key, after) <= 0) continue;
        const st = await this.statOf(join(dir, item.name));
        if (st) yield this.meta(key, st); // deleted meanwhile: skip
      }
    }
  }

  private meta(key: string, st: Stats): ObjectMeta {
    return { key, size: Number(st.size), etag: etagOf(st), lastModified: st.mtime };
  }

  private async statOf(path: string): Promise<Stats | undefined> {
    try {
      const st = await stat(path, { bigint: true });
      return st.isFile() ? st : undefined;
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return undefined;
      throw ioError(err, path, 'stat');
    }
  }

  private async mkdirs(dir: string): Promise<void> {
    let first: string | undefined;
    try {
      first = await mkdir(dir, { recursive: true });
    } catch (err) {
      if (errno(err) === 'ENOTDIR' || errno(err) === 'EEXIST') {
        throw new StrataError('STRATA_ERR_INVALID_REQUEST', `a prefix of ${dir} is an object in ${this.location}`, { details: { dir } });
      }
      throw ioError(err, dir, 'mkdir');
    }
    if (first && this.fsync) {
      // Make the new directory entries durable: fsync each new directory's parent.
      for (let d = dir; d.length >= first.length; d = dirname(d)) await this.syncDir(dirname(d));
    }
  }

  private async syncDir(dir: string): Promise<void> {
    try {
      const fh = await open(dir, constants.O_RDONLY);
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'EINVAL') throw ioError(err, dir, 'fsync directory');
    }
  }

  /** Removes now-empty parent directories up to the root (best effort; a racing writer recreates them). */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.length > this.dir.length && d.startsWith(this.dir); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }
}
