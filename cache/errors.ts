/**
 * Errors the cache raises itself. The codes are those of Strata's catalog (src/errors.ts, docs/reference/errors.md);
 * the cache cannot import the catalog (it never imports src/), so it carries the code string and the broker's
 * toStrataError() maps it. Errors of the source (not found, precondition failed…) pass through unchanged.
 */
export type CacheErrorCode = 'STRATA_ERR_ABORTED' | 'STRATA_ERR_PRECONDITION_FAILED' | 'STRATA_ERR_INVALID_RANGE' | 'STRATA_ERR_CACHE_CORRUPT_BLOCK' | 'STRATA_ERR_CACHE_DISK_FULL';

const RETRIABLE: Record<CacheErrorCode, boolean> = {
  STRATA_ERR_ABORTED: true,
  STRATA_ERR_PRECONDITION_FAILED: false,
  STRATA_ERR_INVALID_RANGE: false,
  STRATA_ERR_CACHE_CORRUPT_BLOCK: true,
  STRATA_ERR_CACHE_DISK_FULL: true,
};

export class CacheError extends Error {
  readonly code: CacheErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: CacheErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.retriable = RETRIABLE[code];
    this.details = details;
    // AbortError by name, so callers that test err.name (undici, fetch, the broker's toStrataError) recognise it.
    this.name = code === 'STRATA_ERR_ABORTED' ? 'AbortError' : 'CacheError';
  }
}

export function abortError(signal?: AbortSignal): CacheError {
  return new CacheError('STRATA_ERR_ABORTED', 'the read was aborted by its caller', {}, signal?.reason);
}
