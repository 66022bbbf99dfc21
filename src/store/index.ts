/**
 * createObjectStore: builds the configured ObjectStore — fs (the embedded default), s3 (AWS S3, MinIO,
 * S3-compatible) or memory — optionally wrapped in a FaultStore, and metered (strata_store_* metrics).
 * The S3 client is imported only when used, so the fs default starts without loading the AWS SDK.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { StrataError } from '../errors.js';
import { storeMetrics } from '../metrics/store.js';
import { FaultStore, type FaultOptions } from './fault.js';
import { FsStore } from './fs.js';
import { MemoryStore } from './memory.js';
import type { S3StoreOptions } from './s3.js';
import { MeteredStore, type StoreObserver } from './metered.js';
import type { ObjectStore } from './types.js';

export interface FsStoreConfig {
  type: 'fs';
  /** Data directory (created if missing). */
  dir: string;
  /** fsync files and directories on every write (default true). */
  fsync?: boolean;
}

export type S3StoreConfig = { type: 's3' } & Omit<S3StoreOptions, 'logger'>;

export interface MemoryStoreConfig {
  type: 'memory';
  name?: string;
}

export type StoreConfig = (FsStoreConfig | S3StoreConfig | MemoryStoreConfig) & {
  /** Wrap the store in a seeded fault injector (tests, benchmarks). */
  fault?: FaultOptions;
};

export interface CreateStoreOptions {
  /** Metrics: a prom-client registry (default the process registry), an observer of your own, or false. */
  metrics?: Registry | StoreObserver | false;
}

export async function createObjectStore(config: StoreConfig, logger?: Logger, options: CreateStoreOptions = {}): Promise<ObjectStore> {
  let store: ObjectStore;
  switch (config.type) {
    case 'fs':
      if (!config.dir) throw new StrataError('STRATA_ERR_CONFIG_INVALID', 'the fs object store needs a directory (store dir / STRATA_DATA_DIR)');
      store = new FsStore({ dir: config.dir, fsync: config.fsync });
      break;
    case 's3': {
      if (!config.bucket) throw new StrataError('STRATA_ERR_CONFIG_INVALID', 'the s3 object store needs a bucket (STRATA_S3_BUCKET)');
      const { S3Store } = await import('./s3.js');
      const { type: _type, fault: _fault, ...s3 } = config;
      store = new S3Store({ ...s3, logger });
      break;
    }
    case 'memory':
      store = new MemoryStore(config.name);
      break;
    default:
      throw new StrataError('STRATA_ERR_CONFIG_INVALID', `unknown object store type ${JSON.stringify((config as { type?: unknown }).type)} (use fs or s3)`);
  }
  if (config.fault) {
    logger?.warn({ fault: config.fault }, 'object store fault injection is on');
    store = new FaultStore(store, config.fault);
  }
  if (options.metrics !== false) {
    const m = options.metrics;
    const observer = m && 'observe' in m ? m : storeMetrics(m);
    store = new MeteredStore(store, observer);
  }
  return store;
}

export { FsStore } from './fs.js';
export { MemoryStore } from './memory.js';
export { FaultStore, type FaultOptions, type StoreOp } from './fault.js';
export { MeteredStore, type StoreObserver, type StoreOutcome } from './metered.js';
export { listAll, type ObjectStore, type ObjectMeta, type GetOptions, type GetResult, type PutOptions, type PutResult, type ListOptions, type ListPage, type ByteRange } from './types.js';
