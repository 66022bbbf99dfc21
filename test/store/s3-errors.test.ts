/**
 * S3 error mapping against the real MinIO: each misconfiguration gives its catalog code, quickly,
 * with a message naming the bucket/endpoint — and retries stay bounded.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStrataError, type StrataError } from '../../src/errors.js';
import { S3Store, type S3StoreOptions } from '../../src/store/s3.js';
import { freePort } from '../support/minio.js';
import { testS3 } from '../support/s3.js';

async function failure(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (err) {
    if (isStrataError(err)) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

async function store(over: Partial<S3StoreOptions>): Promise<S3Store> {
  const s3 = await testS3();
  return new S3Store({ ...s3, maxAttempts: 3, retry: { baseDelayMs: 10, maxDelayMs: 50 }, ...over });
}

describe('S3Store error mapping (real MinIO)', () => {
  it('missing bucket → STRATA_ERR_STORE_BUCKET_MISSING from check() and from writes', async () => {
    const bucket = `missing-${randomBytes(4).toString('hex')}`;
    const s = await store({ bucket });
    const t0 = Date.now();
    const err = await failure(s.check());
    expect(err.code).toBe('STRATA_ERR_STORE_BUCKET_MISSING');
    expect(err.message).toContain(bucket);
    expect(err.retriable).toBe(false);
    expect((await failure(s.put('k', Buffer.from('x')))).code).toBe('STRATA_ERR_STORE_BUCKET_MISSING');
    expect((await failure(s.list())).code).toBe('STRATA_ERR_STORE_BUCKET_MISSING');
    expect(Date.now() - t0).toBeLessThan(3000);
    await s.close();
  });

  it('wrong secret key → STRATA_ERR_STORE_INVALID_CREDENTIALS', async () => {
    const s = await store({ secretAccessKey: 'definitely-wrong-secret' });
    const err = await failure(s.check());
    expect(err.code).toBe('STRATA_ERR_STORE_INVALID_CREDENTIALS');
    expect(err.message).toMatch(/SignatureDoesNotMatch/);
    expect(err.message).not.toContain('definitely-wrong-secret');
    expect((await failure(s.get('k'))).code).toBe('STRATA_ERR_STORE_INVALID_CREDENTIALS');
    await s.close();
  });

  it('unknown access key → STRATA_ERR_STORE_INVALID_CREDENTIALS', async () => {
    const s = await store({ accessKeyId: 'no-such-user', secretAccessKey: 'whatever123' });
    const err = await failure(s.check());
    expect(err.code).toBe('STRATA_ERR_STORE_INVALID_CREDENTIALS');
    expect(err.message).toMatch(/InvalidAccessKeyId/);
    await s.close();
  });

  it('closed port → STRATA_ERR_STORE_UNREACHABLE after a bounded number of quick retries', async () => {
    const port = await freePort(); // nothing listens there
    const endpoint = `http://127.0.0.1:${port}`;
    const retries: number[] = [];
    const s = await store({ endpoint, retry: { baseDelayMs: 10, maxDelayMs: 50, onRetry: (_e, attempt) => retries.push(attempt) } });
    const t0 = Date.now();
    const err = await failure(s.get('k'));
    expect(err.code).toBe('STRATA_ERR_STORE_UNREACHABLE');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain(endpoint);
    expect(err.details).toMatchObject({ errno: 'ECONNREFUSED', attempts: 3 });
    expect(retries).toEqual([1, 2]);
    const checkErr = await failure(s.check());
    expect(checkErr.code).toBe('STRATA_ERR_STORE_UNREACHABLE');
    expect(Date.now() - t0).toBeLessThan(3000);
    await s.close();
  });

  it('unresolvable host → STRATA_ERR_STORE_UNREACHABLE', async () => {
    const s = await store({ endpoint: 'http://no-such-host.invalid:9000', maxAttempts: 1 });
    const err = await failure(s.head('k'));
    expect(err.code).toBe('STRATA_ERR_STORE_UNREACHABLE');
    expect(err.message).toContain('no-such-host.invalid');
    await s.close();
  });

  it('an aborted request is STRATA_ERR_ABORTED, not retried', async () => {
    const s = await store({});
    const ac = new AbortController();
    const p = s.put(`abort/${randomBytes(4).toString('hex')}`, randomBytes(8 * 1024 * 1024), { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    const err = await failure(p);
    expect(err.code).toBe('STRATA_ERR_ABORTED');
    await s.close();
  });
});

describe('S3Store credentials from the standard AWS chain', () => {
  const saved = { ...process.env };
  const isolate = (): void => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/strata-credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/strata-config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  };
  const restore = (): void => {
    process.env = { ...saved };
  };

  it('uses AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when no keys are configured', async () => {
    const s3 = await testS3();
    isolate();
    try {
      process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
      const s = new S3Store({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, maxAttempts: 1 });
      await s.check();
      await s.close();
    } finally {
      restore();
    }
  });

  it('no credentials anywhere → STRATA_ERR_STORE_INVALID_CREDENTIALS saying where to put them', async () => {
    const s3 = await testS3();
    isolate();
    try {
      const s = new S3Store({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, maxAttempts: 1 });
      const err = await failure(s.check());
      expect(err.code).toBe('STRATA_ERR_STORE_INVALID_CREDENTIALS');
      expect(err.message).toMatch(/AWS_ACCESS_KEY_ID/);
      await s.close();
    } finally {
      restore();
    }
  });
});
