/** The default RangeReader: ranged GETs on the source store, pinned to the indexed etag (ifMatch). */
import { ERROR_CATALOG, isStrataError, StrataError, toStrataError, type ErrorCode } from '../../errors.js';
import type { ObjectStore } from '../../store/types.js';
import type { RangeReader } from './types.js';

export class StoreRangeReader implements RangeReader {
  constructor(private readonly store: ObjectStore) {}

  async read(obj: { key: string; etag: string; size: number }, offset: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const r = await this.store.get(obj.key, { range: { offset, length }, ifMatch: obj.etag });
    if (r.etag !== obj.etag) throw new StrataError('STRATA_ERR_PRECONDITION_FAILED', `etag of ${obj.key} is ${r.etag}, expected ${obj.etag}`);
    return r.body;
  }
}

const CHANGED = new Set(['STRATA_ERR_OBJECT_NOT_FOUND', 'STRATA_ERR_PRECONDITION_FAILED', 'STRATA_ERR_INVALID_RANGE']);

/**
 * Maps a source read failure to the catalog error of a mounted record (deleted or changed object). Matches
 * by code, so the cache's CacheError (same codes, no src/ import) maps too.
 */
export function sourceError(err: unknown, details: Record<string, unknown>): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CHANGED.has(code)) {
    const what = code === 'STRATA_ERR_OBJECT_NOT_FOUND' ? 'was deleted' : 'changed';
    return new StrataError('STRATA_ERR_MOUNT_SOURCE_CHANGED', `source object ${String(details.key)} ${what} since it was indexed (record ${String(details.offset ?? '?')})`, { cause: err, details });
  }
  if (isStrataError(err)) return err;
  if (typeof code === 'string' && code in ERROR_CATALOG) return new StrataError(code as ErrorCode, (err as Error).message, { cause: err, details });
  return toStrataError(err);
}
