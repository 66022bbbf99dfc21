/**
 * The one error catalog. Every error Strata raises on purpose carries a stable `STRATA_ERR_*` code,
 * a kind (after SlateDB's split: invalid, unavailable, fenced, data, internal, plus not_found and
 * conflict), whether a retry can help, and the HTTP status the HTTP API answers with.
 *
 * docs/reference/errors.md lists every code; src/errors.test.ts keeps the two in sync.
 */

export type ErrorKind =
  | 'invalid' // the request is wrong; retrying the same request cannot help
  | 'not_found' // the thing named does not exist
  | 'conflict' // a precondition or ownership check failed
  | 'unavailable' // a dependency is down or overloaded; a retry may help
  | 'fenced' // this node lost its right to write; another writer took over
  | 'data' // stored data is corrupt or does not match what was expected
  | 'internal'; // a bug or an unexpected state

export interface ErrorSpec {
  kind: ErrorKind;
  retriable: boolean;
  http: number;
  message: string;
}

export const ERROR_CATALOG = {
  // configuration and process
  STRATA_ERR_CONFIG_INVALID: { kind: 'invalid', retriable: false, http: 400, message: 'invalid configuration' },
  STRATA_ERR_SHUTTING_DOWN: { kind: 'unavailable', retriable: true, http: 503, message: 'the broker is shutting down' },
  STRATA_ERR_INTERNAL: { kind: 'internal', retriable: false, http: 500, message: 'internal error' },
  STRATA_ERR_ABORTED: { kind: 'unavailable', retriable: true, http: 499, message: 'the operation was aborted by its caller' },
  STRATA_ERR_LISTEN_FAILED: { kind: 'unavailable', retriable: false, http: 500, message: 'a listener could not bind its address (port in use or not permitted)' },
  STRATA_ERR_ROUTE_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'no such HTTP endpoint' },

  // object store
  STRATA_ERR_STORE_UNREACHABLE: { kind: 'unavailable', retriable: true, http: 503, message: 'the object store endpoint cannot be reached' },
  STRATA_ERR_STORE_UNAVAILABLE: { kind: 'unavailable', retriable: true, http: 503, message: 'the object store answered with a server error' },
  STRATA_ERR_STORE_SLOW_DOWN: { kind: 'unavailable', retriable: true, http: 503, message: 'the object store asked to slow down (503 SlowDown)' },
  STRATA_ERR_STORE_BUCKET_MISSING: { kind: 'not_found', retriable: false, http: 500, message: 'the bucket does not exist' },
  STRATA_ERR_STORE_ACCESS_DENIED: { kind: 'invalid', retriable: false, http: 500, message: 'the object store denied access (check the credentials and bucket policy)' },
  STRATA_ERR_STORE_INVALID_CREDENTIALS: { kind: 'invalid', retriable: false, http: 500, message: 'the object store rejected the access key or signature' },
  STRATA_ERR_STORE_REQUEST_FAILED: { kind: 'internal', retriable: false, http: 500, message: 'the object store rejected the request' },
  STRATA_ERR_OBJECT_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'object not found' },
  STRATA_ERR_PRECONDITION_FAILED: { kind: 'conflict', retriable: false, http: 412, message: 'a conditional write failed: the object exists or changed' },
  STRATA_ERR_INVALID_RANGE: { kind: 'invalid', retriable: false, http: 416, message: 'the requested byte range is outside the object' },
  STRATA_ERR_STORE_IO: { kind: 'unavailable', retriable: true, http: 503, message: 'a local filesystem operation of the object store failed' },

  // cache
  STRATA_ERR_CACHE_DISK_FULL: { kind: 'unavailable', retriable: true, http: 503, message: 'the SSD cache tier could not write: disk full or not writable' },
  STRATA_ERR_CACHE_CORRUPT_BLOCK: { kind: 'data', retriable: true, http: 500, message: 'a cached block failed its checksum and was dropped' },

  // log, topics and records
  STRATA_ERR_FENCED: { kind: 'fenced', retriable: false, http: 503, message: 'this node was fenced: another node took over writing' },
  STRATA_ERR_BACKPRESSURE: { kind: 'unavailable', retriable: true, http: 503, message: 'too many bytes are waiting to be made durable; retry later' },
  STRATA_ERR_NAMESPACE_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'namespace not found' },
  STRATA_ERR_TOPIC_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'topic not found' },
  STRATA_ERR_TOPIC_EXISTS: { kind: 'conflict', retriable: false, http: 409, message: 'topic already exists' },
  STRATA_ERR_PARTITION_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'partition not found' },
  STRATA_ERR_INVALID_NAME: { kind: 'invalid', retriable: false, http: 400, message: 'invalid namespace or topic name' },
  STRATA_ERR_INVALID_REQUEST: { kind: 'invalid', retriable: false, http: 400, message: 'invalid request' },
  STRATA_ERR_RECORD_TOO_LARGE: { kind: 'invalid', retriable: false, http: 413, message: 'record larger than the topic allows' },
  STRATA_ERR_OFFSET_OUT_OF_RANGE: { kind: 'invalid', retriable: false, http: 416, message: 'offset outside the range the partition holds' },
  STRATA_ERR_CORRUPT_RECORD_BATCH: { kind: 'data', retriable: false, http: 400, message: 'record batch is malformed or fails its CRC' },
  STRATA_ERR_CORRUPT_OBJECT: { kind: 'data', retriable: false, http: 500, message: 'a stored object is malformed' },
  STRATA_ERR_READ_ONLY_TOPIC: { kind: 'invalid', retriable: false, http: 405, message: 'the topic is read-only (a mounted bucket)' },
  STRATA_ERR_OUT_OF_ORDER_SEQUENCE: { kind: 'invalid', retriable: false, http: 409, message: 'idempotent producer sequence gap' },
  STRATA_ERR_PRODUCER_FENCED: { kind: 'fenced', retriable: false, http: 409, message: 'a newer epoch of this producer id exists' },
  // mounted buckets and batch reads
  STRATA_ERR_MOUNT_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'mount not found' },
  STRATA_ERR_MOUNT_EXISTS: { kind: 'conflict', retriable: false, http: 409, message: 'a mount or topic with this name already exists' },
  STRATA_ERR_MOUNT_SOURCE_CHANGED: { kind: 'data', retriable: false, http: 409, message: 'the source object of a mounted record was deleted or changed since it was indexed' },
  STRATA_ERR_UNSUPPORTED_COMPRESSION: { kind: 'invalid', retriable: false, http: 400, message: 'unsupported compression codec' },
  // admin API
  STRATA_ERR_GROUP_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'consumer group not found (no committed offsets)' },
  STRATA_ERR_COMPONENT_NOT_RUNNING: { kind: 'unavailable', retriable: true, http: 503, message: 'the component this request needs is not running on this node' },

  // agent channels (docs/agents.md)
  STRATA_ERR_AGENT_TIMEOUT: { kind: 'unavailable', retriable: true, http: 504, message: 'no reply from the agent within the timeout' },
  STRATA_ERR_AGENT_ERROR: { kind: 'unavailable', retriable: false, http: 502, message: 'the agent answered the request with an error' },
  // tenants (src/broker/tenants, docs/tenants.md)
  STRATA_ERR_UNAUTHENTICATED: { kind: 'invalid', retriable: false, http: 401, message: 'missing or wrong credentials' },
  STRATA_ERR_FORBIDDEN: { kind: 'invalid', retriable: false, http: 403, message: 'the credential may not use this namespace or endpoint' },
  STRATA_ERR_NAMESPACE_NOT_EMPTY: { kind: 'conflict', retriable: false, http: 409, message: 'the namespace still holds topics or mounts' },
  STRATA_ERR_CREDENTIAL_EXISTS: { kind: 'conflict', retriable: false, http: 409, message: 'the user name already belongs to another namespace' },
  STRATA_ERR_CREDENTIAL_NOT_FOUND: { kind: 'not_found', retriable: false, http: 404, message: 'credential not found' },
  // namespace quotas (src/broker/tenants/quotas.ts, docs/tenants.md "Quotas")
  STRATA_ERR_QUOTA_EXCEEDED: { kind: 'unavailable', retriable: true, http: 429, message: "the namespace is over its messagesPerSecond or bytesPerSecond quota; retry after the Retry-After delay" },
  STRATA_ERR_STORAGE_QUOTA_EXCEEDED: { kind: 'unavailable', retriable: false, http: 507, message: 'the namespace holds its maxStoredBytes quota or more' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface StrataErrorOptions {
  cause?: unknown;
  /** Structured fields that help an operator (key, bucket, topic…). Logged and returned by the HTTP API. */
  details?: Record<string, unknown>;
}

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly retriable: boolean;
  readonly httpStatus: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: StrataErrorOptions = {}) {
    const spec: ErrorSpec = ERROR_CATALOG[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StrataError';
    this.code = code;
    this.kind = spec.kind;
    this.retriable = spec.retriable;
    this.httpStatus = spec.http;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; retriable: boolean; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, retriable: this.retriable, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isStrataError(err: unknown, code?: ErrorCode): err is StrataError {
  return err instanceof StrataError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a StrataError (unknown errors become STRATA_ERR_INTERNAL). */
export function toStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new StrataError('STRATA_ERR_ABORTED', err.message, { cause: err });
  return new StrataError('STRATA_ERR_INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}
