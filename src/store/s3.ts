/**
 * S3Store: ObjectStore on AWS S3, MinIO or any S3-compatible store, through @aws-sdk/client-s3.
 * - Credentials from the options, else the standard AWS chain (env, ~/.aws files, web identity, IMDS).
 * - One keep-alive agent per store with enough sockets for many concurrent requests.
 * - Conditional puts: If-None-Match: * and If-Match: "<etag>" (S3 since 2024, MinIO since 2024).
 * - SDK retries are off; src/store/retry.ts is the one policy. A conditional put whose earlier attempt
 *   may have landed (lost response) is checked by etag (= MD5 of a single-part body) before reporting a loss.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { isStrataError, StrataError } from '../errors.js';
import { withRetry, type RetryOptions } from './retry.js';
import { mapS3Error } from './s3-errors.js';
import { FastS3 } from './s3-fast.js';
import type { GetOptions, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult } from './types.js';
import { checkKeyBasic, pageSize, resolveRange, throwIfAborted, unquoteEtag } from './util.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. "strata/prod" (no leading or trailing slash needed). */
  prefix?: string;
  /** e.g. http://127.0.0.1:9000 for MinIO; default AWS. */
  endpoint?: string;
  /** Default: AWS_REGION, then us-east-1. */
  region?: string;
  /** Path-style URLs (bucket in the path): needed by MinIO; default true when an endpoint is set. */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Total attempts per request for retriable errors (default 5). */
  maxAttempts?: number;
  retry?: Omit<RetryOptions, 'maxAttempts'>;
  /** Sockets per store (default 64). */
  maxSockets?: number;
  connectTimeoutMs?: number;
  /** Time allowed without response progress (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * GETs through undici with a hand-rolled SigV4 instead of the SDK (s3-fast.ts): about 5× less CPU per
   * GET. Only with static credentials (accessKeyId + secretAccessKey). Default true.
   */
  fastGet?: boolean;
  /**
   * PUTs through the same undici + SigV4 path (UNSIGNED-PAYLOAD with a CRC32C checksum the store verifies):
   * about 3× less CPU per PUT. Only with static credentials. Default true.
   */
  fastPut?: boolean;
  logger?: Logger;
}

/** Reads a response body into one buffer sized from Content-Length: one copy, no concat. */
async function readBody(stream: AsyncIterable<Uint8Array>, length: number | undefined): Promise<Buffer> {
  if (length === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    return Buffer.concat(chunks);
  }
  const out = Buffer.allocUnsafe(length);
  let off = 0;
  for await (const c of stream) {
    if (off + c.byteLength > length) throw new Error(`response body longer than its Content-Length ${length}`);
    out.set(c, off);
    off += c.byteLength;
  }
  if (off !== length) throw Object.assign(new Error(`response body ended after ${off} of ${length} bytes`), { code: 'ECONNRESET' });
  return out;
}

export class S3Store implements ObjectStore {
  readonly kind = 's3';
  readonly location: string;
  readonly bucket: string;
  readonly endpoint: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly fast?: FastS3;
  private readonly fastGet: boolean;
  private readonly fastPut: boolean;
  private readonly retry: RetryOptions;

  constructor(options: S3StoreOptions) {
    // The SDK warns on each process that Node 20 support ends in 2027; that says nothing about this run.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.bucket = options.bucket;
    const p = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = p ? `${p}/` : '';
    this.location = `s3://${this.bucket}/${this.prefix}`;
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.endpoint = options.endpoint ?? `https://s3.${region}.amazonaws.com`;
    const maxSockets = options.maxSockets ?? 64;
    const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 1000 };
    this.client = new S3Client({
      region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken }
          : undefined,
      maxAttempts: 1,
      // Flexible checksums only where an API requires them: keeps CPU down and works with older S3 clones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // NodeHttpHandler options (the SDK builds the handler from this object).
      requestHandler: {
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
        connectionTimeout: options.connectTimeoutMs ?? 5000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
      },
    });
    this.fastGet = options.fastGet !== false;
    this.fastPut = options.fastPut !== false;
    if ((this.fastGet || this.fastPut) && options.accessKeyId && options.secretAccessKey) {
      this.fast = new FastS3({
        endpoint: this.endpoint,
        region,
        bucket: this.bucket,
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        sessionToken: options.sessionToken,
        connections: maxSockets,
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      });
    }
    const log = options.logger;
    this.retry = {
      ...options.retry,
      maxAttempts: options.maxAttempts,
      onRetry: (err, attempt, delayMs) => {
        log?.warn({ code: err.code, attempt, delayMs, ...err.details }, 'object store request failed, retrying');
        options.retry?.onRetry?.(err, attempt, delayMs);
      },
    };
  }

  private full(key: string): string {
    checkKeyBasic(key);
    return this.prefix + key;
  }

  private async send<T>(op: string, key: string | undefined, signal: AbortSignal | undefined, fn: (attempt: number) => Promise<T>, retry = this.retry): Promise<T> {
    const ctx = { op, bucket: this.bucket, endpoint: this.endpoint, key };
    return withRetry(
      async (attempt) => {
        try {
          return await fn(attempt);
        } catch (err) {
          throw mapS3Error(err, ctx);
        }
      },
      retry,
      signal,
    );
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    throwIfAborted(options.signal);
    const Key = this.full(key);
    const range = options.range;
    if (range?.length === 0) return this.emptyRange(key, options);
    const Range = range ? `bytes=${range.offset}-${range.length !== undefined ? range.offset + range.length - 1 : ''}` : undefined;
    if (range) resolveRange(range, Number.MAX_SAFE_INTEGER, key); // validates the numbers only
    try {
      return await this.send('GET', key, options.signal, async () => {
        if (this.fast && this.fastGet) {
          const r = await this.fast.get(Key, Range, options.ifMatch ? `"${options.ifMatch}"` : undefined, options.signal, options.into);
          return { key, size: r.size, etag: r.etag, lastModified: r.lastModified, body: r.body };
        }
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key, Range, IfMatch: options.ifMatch ? `"${options.ifMatch}"` : undefined }),
          { abortSignal: options.signal },
        );
        const body = await readBody(res.Body as unknown as AsyncIterable<Uint8Array>, res.ContentLength);
        const total = res.ContentRange ? Number(/\/(\d+)$/.exec(res.ContentRange)?.[1]) : (res.ContentLength ?? body.length);
        return { key, size: total, etag: unquoteEtag(res.ETag), lastModified: res.LastModified ?? new Date(0), body };
      });
    } catch (err) {
      // S3 answers 416 for any range of an empty object; resolve it against the real size instead.
      if (range && isStrataError(err, 'STRATA_ERR_INVALID_RANGE')) return this.emptyRange(key, options);
      throw err;
    }
  }

  /** A zero-length read, or a range on an object S3 refused: answered from HEAD (throws the right error). */
  private async emptyRange(key: string, options: GetOptions): Promise<GetResult> {
    const meta = await this.head(key, { signal: options.signal });
    if (!meta) throw new StrataError('STRATA_ERR_OBJECT_NOT_FOUND', `object not found: ${key} in ${this.location}`, { details: { key } });
    if (options.ifMatch !== undefined && options.ifMatch !== meta.etag) {
      throw new StrataError('STRATA_ERR_PRECONDITION_FAILED', `${key} in ${this.location} has etag ${meta.etag}, expected ${options.ifMatch}`, { details: { key } });
    }
    const [start, end] = resolveRange(options.range, meta.size, key);
    if (end > start) return this.get(key, { ...options, range: { offset: start, length: end - start } });
    return { ...meta, body: Buffer.alloc(0) };
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(options.signal);
    const Key = this.full(key);
    const conditional = options.ifNoneMatch === '*' || options.ifMatch !== undefined;
    try {
      return await this.send('PUT', key, options.signal, async () => {
        if (this.fast && this.fastPut) {
          const ifMatch = options.ifMatch !== undefined ? `"${options.ifMatch}"` : undefined;
          return { etag: await this.fast.put(Key, body, { contentType: options.contentType ?? 'application/octet-stream', ifNoneMatch: options.ifNoneMatch, ifMatch, signal: options.signal }) };
        }
        const res = await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: options.contentType ?? 'application/octet-stream',
            IfNoneMatch: options.ifNoneMatch,
            IfMatch: options.ifMatch !== undefined ? `"${options.ifMatch}"` : undefined,
          }),
          { abortSignal: options.signal },
        );
        return { etag: unquoteEtag(res.ETag) };
      });
    } catch (err) {
      // S3 and MinIO answer If-Match on a missing key with 404 NoSuchKey; the contract says precondition failed.
      if (options.ifMatch !== undefined && isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) {
        throw new StrataError('STRATA_ERR_PRECONDITION_FAILED', `conditional write of ${key} in ${this.location} failed: the object does not exist`, {
          cause: err,
          details: err.details,
        });
      }
      // A retried conditional put can fail because its own earlier attempt landed: check by content MD5.
      const attempts = isStrataError(err) ? err.details?.attempts : undefined;
      if (conditional && typeof attempts === 'number' && attempts > 1 && isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED')) {
        const md5 = createHash('md5').update(body).digest('hex');
        const meta = await this.head(key).catch(() => undefined);
        if (meta?.etag === md5 && meta.size === body.byteLength) return { etag: meta.etag };
      }
      throw err;
    }
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectMeta | undefined> {
    throwIfAborted(options.signal);
    const Key = this.full(key);
    try {
      return await this.send('HEAD', key, options.signal, async () => {
        const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: options.signal });
        return { key, size: res.ContentLength ?? 0, etag: unquoteEtag(res.ETag), lastModified: res.LastModified ?? new Date(0) };
      });
    } catch (err) {
      if (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    throwIfAborted(options.signal);
    const MaxKeys = pageSize(options);
    const res = await this.send('LIST', options.prefix ?? '', options.signal, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + (options.prefix ?? ''),
          StartAfter: options.startAfter ? this.prefix + options.startAfter : undefined,
          ContinuationToken: options.continuationToken,
          MaxKeys,
        }),
        { abortSignal: options.signal },
      ),
    );
    const objects = (res.Contents ?? []).map((o) => ({
      key: o.Key!.slice(this.prefix.length),
      size: o.Size ?? 0,
      etag: unquoteEtag(o.ETag),
      lastModified: o.LastModified ?? new Date(0),
    }));
    return res.IsTruncated && res.NextContinuationToken ? { objects, nextToken: res.NextContinuationToken } : { objects };
  }

  async delete(key: string): Promise<void> {
    const Key = this.full(key);
    await this.send('DELETE', key, undefined, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  /**
   * HeadBucket, with at most 2 attempts so a wrong endpoint fails start-up fast; on 403 a one-key LIST
   * tells wrong credentials from a denied bucket (HEAD answers have no error body).
   */
  async check(): Promise<void> {
    const retry = { ...this.retry, maxAttempts: Math.min(2, this.retry.maxAttempts ?? 2) };
    try {
      await this.send('HeadBucket', undefined, undefined, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })), retry);
    } catch (err) {
      if (!isStrataError(err)) throw err;
      if (err.code === 'STRATA_ERR_OBJECT_NOT_FOUND') {
        throw new StrataError('STRATA_ERR_STORE_BUCKET_MISSING', `bucket ${this.bucket} does not exist at ${this.endpoint}`, { cause: err, details: err.details });
      }
      if (err.code === 'STRATA_ERR_STORE_ACCESS_DENIED') {
        await this.list({ maxKeys: 1 }); // throws the precise error (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied)
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.fast?.close();
  }
}
