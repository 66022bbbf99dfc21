/**
 * The mount registry: creates, lists, describes and deletes mounts, persists their specs under meta/, and
 * reopens them on start. Sources are opened through a factory (the node passes one that builds an S3Store
 * from the broker's S3 endpoint/credentials); reads go through a RangeReader factory (the tiered cache).
 */
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { StrataError } from '../../errors.js';
import { isValidName, type Keys } from '../../store/keys.js';
import type { ObjectStore } from '../../store/types.js';
import { MountCatalog } from './catalog.js';
import { DirSource } from './dir-source.js';
import { Mount, type MountOptions } from './mount.js';
import { StoreRangeReader } from './reader.js';
import { parseSource, type ParsedSource } from './source.js';
import type { StartWatch } from './watch.js';
import { MOUNT_FORMATS, type MountFormat, type MountSpec, type MountStatus, type RangeReader } from './types.js';

export interface MountRegistryOptions {
  /** The broker's own store: mount metadata lives here. */
  store: ObjectStore;
  keys: Keys;
  /** Opens an s3:// source (bucket root; the mount lists with its prefix). */
  openS3?: (bucket: string) => Promise<ObjectStore>;
  /** Wraps a source store in a reader (e.g. a TieredCache); default: direct ranged GETs. */
  readerFor?: (store: ObjectStore, source: ParsedSource, spec: MountSpec) => RangeReader;
  /** Existing (written) topic names, so a mount cannot shadow one. */
  topicExists?: (ns: string, topic: string) => boolean;
  logger?: Logger;
  mount?: Partial<MountOptions>;
  /** The notification watcher of a mount's source (watch.ts); undefined = the mount only polls. */
  watchFor?: (source: ParsedSource, spec: MountSpec) => StartWatch | undefined;
  /** Directories file:// mounts may read; undefined = any (tests), [] = file:// mounts refused. */
  allowedDirs?: string[];
}

export class MountRegistry {
  private readonly mounts = new Map<string, Mount>();
  private readonly catalog: MountCatalog;
  private readonly sources = new Map<string, ObjectStore>();
  private readonly creating = new Set<string>();

  constructor(private readonly options: MountRegistryOptions) {
    this.catalog = new MountCatalog(options.store, options.keys);
  }

  /** Reopens every persisted mount. */
  async start(): Promise<void> {
    for (const spec of await this.catalog.listSpecs()) {
      try {
        await this.openMount(spec);
      } catch (err) {
        this.options.logger?.error({ err, ns: spec.namespace, topic: spec.topic }, 'cannot reopen mount');
      }
    }
  }

  async create(input: { namespace: string; topic: string; source: string; format?: string }): Promise<MountStatus> {
    const { namespace, topic } = input;
    if (!isValidName(namespace) || !isValidName(topic)) throw new StrataError('STRATA_ERR_INVALID_NAME', `invalid namespace or topic name: ${namespace}/${topic}`);
    const format = (input.format ?? 'raw') as MountFormat;
    if (!MOUNT_FORMATS.includes(format)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `unknown mount format "${input.format}": expected ${MOUNT_FORMATS.join(', ')}`);
    const parsed = parseSource(input.source);
    if (parsed.kind === 'file') await this.checkAllowed(parsed.dir);
    const id = `${namespace}/${topic}`;
    if (this.mounts.has(id) || this.creating.has(id) || this.options.topicExists?.(namespace, topic)) {
      throw new StrataError('STRATA_ERR_MOUNT_EXISTS', `${id} already exists`, { details: { namespace, topic } });
    }
    this.creating.add(id); // reserved until the spec is durable, so two concurrent creates cannot both win
    try {
      const spec: MountSpec = { namespace, topic, source: input.source, format, createdAt: Date.now() };
      try {
        await this.catalog.saveSpec(spec);
      } catch (err) {
        if (err instanceof StrataError && err.code === 'STRATA_ERR_PRECONDITION_FAILED') throw new StrataError('STRATA_ERR_MOUNT_EXISTS', `${id} already exists`);
        throw err;
      }
      try {
        return (await this.openMount(spec, true)).status();
      } catch (err) {
        await this.catalog.remove(namespace, topic).catch(() => {});
        throw err;
      }
    } finally {
      this.creating.delete(id);
    }
  }

  private async checkAllowed(dir: string): Promise<void> {
    const allowed = this.options.allowedDirs;
    if (allowed === undefined) return;
    const real = await realpath(dir).catch(() => resolve(dir));
    for (const a of allowed) {
      const root = await realpath(a).catch(() => resolve(a));
      if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return;
    }
    throw new StrataError('STRATA_ERR_INVALID_REQUEST', allowed.length === 0 ? 'file:// mounts are disabled: list the directories they may read in mountAllowedDirs (STRATA_MOUNT_ALLOWED_DIRS)' : `${dir} is not inside mountAllowedDirs`, { details: { dir } });
  }

  get(ns: string, topic: string): Mount | undefined {
    return this.mounts.get(`${ns}/${topic}`);
  }

  require(ns: string, topic: string): Mount {
    const m = this.get(ns, topic);
    if (!m) throw new StrataError('STRATA_ERR_MOUNT_NOT_FOUND', `no mount ${ns}/${topic}`, { details: { namespace: ns, topic } });
    return m;
  }

  list(ns?: string): MountStatus[] {
    return [...this.mounts.values()].filter((m) => ns === undefined || m.spec.namespace === ns).map((m) => m.status());
  }

  async delete(ns: string, topic: string): Promise<void> {
    const m = this.require(ns, topic);
    this.mounts.delete(`${ns}/${topic}`);
    await m.close();
    await m.reader.close?.();
    await this.catalog.remove(ns, topic);
  }

  async close(): Promise<void> {
    await Promise.all([...this.mounts.values()].map(async (m) => {
      await m.close();
      await m.reader.close?.();
    }));
    this.mounts.clear();
    for (const s of this.sources.values()) await s.close();
    this.sources.clear();
  }

  private async sourceStore(source: ParsedSource): Promise<ObjectStore> {
    const id = source.kind === 's3' ? `s3://${source.bucket}` : `file://${source.dir}`;
    let store = this.sources.get(id);
    if (!store) {
      if (source.kind === 'file') store = new DirSource(source.dir);
      else if (this.options.openS3) store = await this.options.openS3(source.bucket);
      else throw new StrataError('STRATA_ERR_INVALID_REQUEST', 's3:// mounts need an S3 endpoint configured on the broker');
      this.sources.set(id, store);
    }
    return store;
  }

  private async openMount(spec: MountSpec, fresh = false): Promise<Mount> {
    const source = parseSource(spec.source);
    const store = await this.sourceStore(source);
    if (fresh) await store.check();
    const reader: RangeReader = this.options.readerFor?.(store, source, spec) ?? new StoreRangeReader(store);
    const options: MountOptions = { pollIntervalMs: 10_000, fullListEvery: 6, indexConcurrency: 16, logger: this.options.logger, ...this.options.mount, watch: this.options.watchFor?.(source, spec) };
    const mount = new Mount(spec, source, store, reader, this.catalog, options);
    try {
      await mount.open();
    } catch (err) {
      await reader.close?.();
      throw err;
    }
    this.mounts.set(`${spec.namespace}/${spec.topic}`, mount);
    return mount;
  }
}
