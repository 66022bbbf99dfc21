/**
 * Small helpers shared by the ObjectStore implementations: key order, list tokens, range checks,
 * abort checks. No I/O here.
 */
import { StrataError } from '../errors.js';
import type { ByteRange, ListOptions } from './types.js';

/** Compares two keys in UTF-8 byte order (the order S3 LIST uses), not JavaScript's UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The default and maximum page size of list(), as on S3. */
export const MAX_LIST_KEYS = 1000;

export function pageSize(options: ListOptions): number {
  const n = options.maxKeys ?? MAX_LIST_KEYS;
  if (!Number.isInteger(n) || n < 1) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `maxKeys must be a positive integer, got ${n}`);
  return Math.min(n, MAX_LIST_KEYS);
}

/** Continuation tokens of the local stores: the last key returned, base64url-encoded. */
export function encodeToken(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!key || encodeToken(key) !== token) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `invalid continuation token: ${token}`);
  return key;
}

/** The key a page starts after: the larger of startAfter and the token's key (undefined = from the start). */
export function listStart(options: ListOptions): string | undefined {
  const fromToken = options.continuationToken ? decodeToken(options.continuationToken) : undefined;
  const after = options.startAfter || undefined;
  if (fromToken === undefined) return after;
  if (after === undefined) return fromToken;
  return compareKeys(fromToken, after) > 0 ? fromToken : after;
}

/**
 * Resolves a byte range against an object's size into [start, end) (end exclusive, cut at the size).
 * A range starting past the end is STRATA_ERR_INVALID_RANGE; offset 0 of an empty object is allowed.
 */
export function resolveRange(range: ByteRange | undefined, size: number, key: string): [number, number] {
  if (!range) return [0, size];
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new StrataError('STRATA_ERR_INVALID_RANGE', `invalid byte range ${JSON.stringify(range)} for ${key}`, { details: { key, range } });
  }
  if (offset > size || (offset === size && size > 0)) {
    throw new StrataError('STRATA_ERR_INVALID_RANGE', `range starts at byte ${offset} but ${key} has ${size} bytes`, { details: { key, offset, size } });
  }
  const end = length === undefined ? size : Math.min(size, offset + length);
  return [offset, end];
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new StrataError('STRATA_ERR_ABORTED', 'the object store operation was aborted', { cause: signal.reason });
  }
}

export function notFound(key: string, location: string): StrataError {
  return new StrataError('STRATA_ERR_OBJECT_NOT_FOUND', `object not found: ${key} in ${location}`, { details: { key, location } });
}

export function preconditionFailed(key: string, location: string, what: string): StrataError {
  return new StrataError('STRATA_ERR_PRECONDITION_FAILED', `conditional write of ${key} in ${location} failed: ${what}`, {
    details: { key, location },
  });
}

/** Keys must be non-empty and at most 1024 UTF-8 bytes (S3's limit). */
export function checkKeyBasic(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key, 'utf8') > 1024) {
    throw new StrataError('STRATA_ERR_INVALID_REQUEST', `invalid object key ${JSON.stringify(key)}: must be 1 to 1024 UTF-8 bytes`, { details: { key } });
  }
}

/** Strips the quotes S3 puts around etags. */
export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
}
