/**
 * ObjectStore: the one storage boundary (design: "Object store"). Only code under src/store talks to S3
 * or the filesystem; everything else goes through this interface.
 *
 * Errors are StrataErrors from src/errors.ts:
 * - get of a missing key            → STRATA_ERR_OBJECT_NOT_FOUND
 * - put whose precondition fails    → STRATA_ERR_PRECONDITION_FAILED
 * - range starting past the end     → STRATA_ERR_INVALID_RANGE
 * - store down / throttled          → STRATA_ERR_STORE_UNREACHABLE / _UNAVAILABLE / _SLOW_DOWN (retriable)
 * - bucket missing / access denied  → STRATA_ERR_STORE_BUCKET_MISSING / _ACCESS_DENIED / _INVALID_CREDENTIALS
 */

export interface ObjectMeta {
  key: string;
  /** Size in bytes of the whole object. */
  size: number;
  /** Opaque version tag; changes whenever the content changes. Quotes stripped. */
  etag: string;
  lastModified: Date;
}

export interface ByteRange {
  /** First byte, zero-based. */
  offset: number;
  /** Number of bytes; omitted = to the end. A range running past the end is cut at the end. */
  length?: number;
}

export interface GetOptions {
  range?: ByteRange;
  /** Fail with STRATA_ERR_PRECONDITION_FAILED unless the object still has this etag. */
  ifMatch?: string;
  signal?: AbortSignal;
  /**
   * A buffer the store may read the body into (the tiered cache passes recycled block buffers). When the body
   * fits, a store that supports it returns `body` as a view of `into` and allocates nothing; others ignore it.
   * The caller must not use `into` until the GET has settled.
   */
  into?: Buffer;
}

export interface GetResult extends ObjectMeta {
  /** The requested bytes (the whole object, or the range). */
  body: Buffer;
}

export interface PutOptions {
  /** '*' = create only if absent (STRATA_ERR_PRECONDITION_FAILED if it exists). */
  ifNoneMatch?: '*';
  /** Replace only if the current etag equals this one (STRATA_ERR_PRECONDITION_FAILED otherwise, or if absent). */
  ifMatch?: string;
  contentType?: string;
  signal?: AbortSignal;
}

export interface PutResult {
  etag: string;
}

export interface ListOptions {
  prefix?: string;
  /** Only keys strictly greater than this one (lexicographic, UTF-8 byte order). */
  startAfter?: string;
  /** Page size; the store may return fewer. Default 1000. */
  maxKeys?: number;
  /** Token from the previous page's nextToken. */
  continuationToken?: string;
  signal?: AbortSignal;
}

export interface ListPage {
  /** Keys in ascending lexicographic (UTF-8 byte) order. */
  objects: ObjectMeta[];
  /** Present when more keys follow; pass it as continuationToken. */
  nextToken?: string;
}

export interface ObjectStore {
  /** 'fs', 's3', 'memory', or a wrapper's name. */
  readonly kind: string;
  /** Human-readable location for logs, e.g. "s3://bucket/prefix" or "file:///data". Never includes secrets. */
  readonly location: string;
  get(key: string, options?: GetOptions): Promise<GetResult>;
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /** Metadata, or undefined when the key does not exist. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined>;
  list(options?: ListOptions): Promise<ListPage>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Checks the store is reachable and usable (bucket exists, credentials valid); throws a clear StrataError. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Iterates every object under a prefix, page by page. */
export async function* listAll(store: ObjectStore, options: Omit<ListOptions, 'continuationToken'> = {}): AsyncGenerator<ObjectMeta> {
  let token: string | undefined;
  do {
    const page = await store.list({ ...options, continuationToken: token });
    yield* page.objects;
    token = page.nextToken;
  } while (token);
}
