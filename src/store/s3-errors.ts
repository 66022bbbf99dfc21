/**
 * Maps AWS SDK / S3 / network errors onto the error catalog. Messages name the operation, key, bucket
 * and endpoint so that one log line says what went wrong where.
 */
import { StrataError, type ErrorCode } from '../errors.js';

export interface S3ErrorContext {
  op: string;
  bucket: string;
  endpoint: string;
  key?: string;
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);

/** The error's S3 code (e.g. NoSuchKey), its HTTP status, and a network errno if any. */
export function describeSdkError(err: unknown): { name: string; status?: number; errno?: string } {
  const e = (err ?? {}) as SdkErrorLike;
  let errno: string | undefined;
  for (let c: unknown = err, depth = 0; c && depth < 5; c = (c as SdkErrorLike).cause, depth++) {
    const code = (c as SdkErrorLike).code;
    if (code && NETWORK_CODES.has(code)) errno = code;
    // AggregateError (happy eyeballs) carries the errno on its members
    const inner = (c as { errors?: SdkErrorLike[] }).errors;
    if (!errno && Array.isArray(inner)) errno = inner.map((x) => x.code).find((x) => x && NETWORK_CODES.has(x));
  }
  return { name: e.Code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode ?? e.$response?.statusCode, errno };
}

function classify(name: string, status: number | undefined, errno: string | undefined): { code: ErrorCode; what: string } {
  if (name === 'AbortError') return { code: 'STRATA_ERR_ABORTED', what: 'aborted' };
  // Before the network check: a failed credential chain often wraps an unreachable metadata endpoint.
  if (name === 'CredentialsProviderError') {
    return {
      code: 'STRATA_ERR_STORE_INVALID_CREDENTIALS',
      what: 'no S3 credentials found (set the access key options, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials)',
    };
  }
  if (errno || NETWORK_NAMES.has(name)) return { code: 'STRATA_ERR_STORE_UNREACHABLE', what: `endpoint unreachable (${errno ?? name})` };
  switch (name) {
    case 'NoSuchKey':
      return { code: 'STRATA_ERR_OBJECT_NOT_FOUND', what: 'object not found' };
    case 'PreconditionFailed':
    case 'ConditionalRequestConflict':
      return { code: 'STRATA_ERR_PRECONDITION_FAILED', what: 'precondition failed' };
    case 'InvalidRange':
      return { code: 'STRATA_ERR_INVALID_RANGE', what: 'range not satisfiable' };
    case 'NoSuchBucket':
      return { code: 'STRATA_ERR_STORE_BUCKET_MISSING', what: 'the bucket does not exist' };
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return { code: 'STRATA_ERR_STORE_ACCESS_DENIED', what: 'access denied' };
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'InvalidToken':
    case 'ExpiredToken':
      return { code: 'STRATA_ERR_STORE_INVALID_CREDENTIALS', what: `credentials rejected (${name})` };
    case 'BadDigest':
    case 'InvalidDigest':
    case 'XAmzContentChecksumMismatch':
      return { code: 'STRATA_ERR_STORE_UNAVAILABLE', what: 'the store received a body that does not match its checksum (damaged on the way); nothing was stored' };
    case 'SlowDown':
    case 'TooManyRequests':
    case 'RequestLimitExceeded':
      return { code: 'STRATA_ERR_STORE_SLOW_DOWN', what: 'asked to slow down' };
  }
  if (status === 404) return { code: 'STRATA_ERR_OBJECT_NOT_FOUND', what: 'not found' };
  if (status === 412) return { code: 'STRATA_ERR_PRECONDITION_FAILED', what: 'precondition failed' };
  if (status === 416) return { code: 'STRATA_ERR_INVALID_RANGE', what: 'range not satisfiable' };
  if (status === 403) return { code: 'STRATA_ERR_STORE_ACCESS_DENIED', what: 'access denied (403)' };
  if (status === 503 || status === 429) return { code: 'STRATA_ERR_STORE_SLOW_DOWN', what: `asked to slow down (${status})` };
  if (status !== undefined && status >= 500) return { code: 'STRATA_ERR_STORE_UNAVAILABLE', what: `server error ${status}` };
  if (status === undefined) return { code: 'STRATA_ERR_STORE_UNREACHABLE', what: `no response (${name})` };
  return { code: 'STRATA_ERR_STORE_REQUEST_FAILED', what: `request rejected (${status})` };
}

/** Converts anything the SDK throws into a StrataError with a message naming op, key, bucket and endpoint. */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): StrataError {
  if (err instanceof StrataError) return err;
  const { name, status, errno } = describeSdkError(err);
  const { code, what } = classify(name, status, errno);
  const target = ctx.key !== undefined ? `${ctx.key} in bucket ${ctx.bucket}` : `bucket ${ctx.bucket}`;
  const detail = (err as SdkErrorLike)?.message && (err as SdkErrorLike).message !== name ? `: ${(err as SdkErrorLike).message}` : '';
  return new StrataError(code, `s3 ${ctx.op} of ${target} at ${ctx.endpoint}: ${what}${detail}`, {
    cause: slim(err, name, status, errno),
    details: { op: ctx.op, bucket: ctx.bucket, endpoint: ctx.endpoint, ...(ctx.key !== undefined ? { key: ctx.key } : {}), s3Code: name, httpStatus: status, errno },
  });
}

/** A small stand-in for the SDK error as `cause`: the SDK's own drags the whole HTTP response along. */
function slim(err: unknown, name: string, status: number | undefined, errno: string | undefined): Error {
  const e = new Error((err as SdkErrorLike)?.message ?? String(err));
  e.name = name;
  Object.assign(e, { httpStatus: status, errno, requestId: (err as { $metadata?: { requestId?: string } })?.$metadata?.requestId });
  return e;
}
