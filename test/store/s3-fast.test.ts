/**
 * The lean GET path (undici + SigV4, src/store/s3-fast.ts) against real MinIO: the same bytes, sizes,
 * etags and errors as the SDK path, for awkward keys, ranges, conditional reads and bad credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../src/store/s3.js';
import { sign, signGet, type FastS3 } from '../../src/store/s3-fast.js';
import { mapS3Error } from '../../src/store/s3-errors.js';
import { crc32c } from '../../src/log/crc32c.js';
import { expectCode } from '../support/store-contract.js';
import { createTestBucket, testS3 } from '../support/s3.js';

let fast: S3Store;
let sdk: S3Store;
const KEYS = ['plain', 'with space/and+plus', 'unicodé/日本語', "odd!'()*~chars", 'deep/a/b/c/d.bin', 'percent%20literal', 'semi;colon=eq&amp'];

beforeAll(async () => {
  const s3 = await testS3();
  const bucket = await createTestBucket('fastget');
  const prefix = `fg/${randomBytes(4).toString('hex')}`;
  fast = new S3Store({ ...s3, bucket, prefix });
  sdk = new S3Store({ ...s3, bucket, prefix, fastGet: false, fastPut: false });
});
afterAll(async () => {
  await fast?.close();
  await sdk?.close();
});

describe('S3 fast GET path', () => {
  it('reads awkward keys, whole and ranged, exactly like the SDK path', async () => {
    for (const key of KEYS) {
      const body = randomBytes(10_000 + key.length);
      const { etag } = await sdk.put(key, body);
      const a = await fast.get(key);
      const b = await sdk.get(key);
      expect(a.body.equals(body), key).toBe(true);
      expect({ size: a.size, etag: a.etag }).toEqual({ size: b.size, etag: b.etag });
      expect(a.etag).toBe(etag);
      expect(a.lastModified.getTime()).toBe(b.lastModified.getTime());
      const r = await fast.get(key, { range: { offset: 100, length: 333 } });
      expect(r.body.equals(body.subarray(100, 433))).toBe(true);
      expect(r.size).toBe(body.length);
      const tail = await fast.get(key, { range: { offset: body.length - 5 } });
      expect(tail.body.equals(body.subarray(-5))).toBe(true);
    }
  });

  it('reads into a caller buffer in shared memory (a recycled cache block): every chunk lands at its odd offset', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 13); // many socket chunks, of sizes the network picks
    await fast.put('into-shared', body);
    const into = Buffer.from(new SharedArrayBuffer(4 * 1024 * 1024)).fill(0xee);
    const whole = await fast.get('into-shared', { into });
    expect(whole.body.buffer).toBe(into.buffer); // read in place, nothing allocated
    expect(whole.body.equals(body)).toBe(true);
    const ranged = await fast.get('into-shared', { range: { offset: 7, length: body.length - 20 }, into });
    expect(ranged.body.buffer).toBe(into.buffer);
    expect(ranged.body.equals(body.subarray(7, body.length - 13))).toBe(true);
  });
  it('maps errors like the SDK path: missing key, changed etag, range past the end, empty object', async () => {
    await expectCode(fast.get('no/such/key'), 'STRATA_ERR_OBJECT_NOT_FOUND');
    const { etag } = await fast.put('cond', Buffer.from('v1'));
    expect((await fast.get('cond', { ifMatch: etag })).body.toString()).toBe('v1');
    await fast.put('cond', Buffer.from('v2'));
    await expectCode(fast.get('cond', { ifMatch: etag }), 'STRATA_ERR_PRECONDITION_FAILED');
    await expectCode(fast.get('cond', { range: { offset: 50, length: 2 } }), 'STRATA_ERR_INVALID_RANGE');
    await fast.put('empty', Buffer.alloc(0));
    expect((await fast.get('empty')).body.length).toBe(0);
    expect((await fast.get('empty', { range: { offset: 0, length: 10 } })).body.length).toBe(0);
  });

  it('wrong secret: STRATA_ERR_STORE_INVALID_CREDENTIALS; missing bucket: STRATA_ERR_STORE_BUCKET_MISSING', async () => {
    const s3 = await testS3();
    const bad = new S3Store({ ...s3, secretAccessKey: 'wrong-secret-key', maxAttempts: 1 });
    await expectCode(bad.get('x'), 'STRATA_ERR_STORE_INVALID_CREDENTIALS');
    await bad.close();
    const gone = new S3Store({ ...s3, bucket: `missing-${randomBytes(4).toString('hex')}`, maxAttempts: 1 });
    await expectCode(gone.get('x'), 'STRATA_ERR_STORE_BUCKET_MISSING');
    await gone.close();
  });

  it('writes awkward keys exactly like the SDK path: same bytes, same etag (MD5), content type kept', async () => {
    for (const key of KEYS) {
      const body = randomBytes(70_000 + key.length);
      const { etag } = await fast.put(`w/${key}`, body, { contentType: 'application/x-strata-test' });
      expect(etag).toBe(createHash('md5').update(body).digest('hex'));
      const back = await sdk.get(`w/${key}`);
      expect(back.body.equals(body), key).toBe(true);
      expect(back.etag).toBe(etag);
      expect((await sdk.head(`w/${key}`))?.size).toBe(body.length);
      const { etag: sdkEtag } = await sdk.put(`w2/${key}`, body);
      expect(sdkEtag).toBe(etag);
    }
    expect((await fast.put('w/empty', Buffer.alloc(0))).etag).toBe(createHash('md5').update(Buffer.alloc(0)).digest('hex'));
    // a view into a larger buffer sends just its bytes
    const big = randomBytes(4096);
    await fast.put('w/view', big.subarray(100, 200));
    expect((await sdk.get('w/view')).body.equals(big.subarray(100, 200))).toBe(true);
  });

  it('conditional writes: ifNoneMatch on an existing key and ifMatch on a changed or missing one fail as precondition failed', async () => {
    const first = await fast.put('cw', Buffer.from('one'), { ifNoneMatch: '*' });
    await expectCode(fast.put('cw', Buffer.from('two'), { ifNoneMatch: '*' }), 'STRATA_ERR_PRECONDITION_FAILED');
    expect((await sdk.get('cw')).body.toString()).toBe('one');
    const second = await fast.put('cw', Buffer.from('two'), { ifMatch: first.etag });
    await expectCode(fast.put('cw', Buffer.from('three'), { ifMatch: first.etag }), 'STRATA_ERR_PRECONDITION_FAILED');
    expect((await sdk.get('cw')).etag).toBe(second.etag);
    await expectCode(fast.put('cw-missing', Buffer.from('x'), { ifMatch: first.etag }), 'STRATA_ERR_PRECONDITION_FAILED');
    expect(await sdk.head('cw-missing')).toBeUndefined();
  });

  it('PUT carries a CRC32C checksum the store verifies: a body that does not match is refused, nothing is stored', async () => {
    const inner = fast as unknown as { fast: FastS3; prefix: string };
    const body = Buffer.from('payload that gets damaged on the way');
    const err = await inner.fast.put(`${inner.prefix}crc/bad`, body, { contentType: 'application/octet-stream', crc32c: crc32c(body) ^ 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const mapped = mapS3Error(err, { op: 'PUT', bucket: 'b', endpoint: 'e', key: 'crc/bad' });
    expect(mapped.code).toBe('STRATA_ERR_STORE_UNAVAILABLE'); // retried: the next attempt sends the body again
    expect(mapped.retriable).toBe(true);
    expect(await sdk.head('crc/bad')).toBeUndefined();
    await inner.fast.put(`${inner.prefix}crc/good`, body, { contentType: 'application/octet-stream', crc32c: crc32c(body) });
    expect((await sdk.get('crc/good')).body.equals(body)).toBe(true);
  });

  it('PUT with a wrong secret or to a missing bucket: the same catalog errors as GET', async () => {
    const s3 = await testS3();
    const bad = new S3Store({ ...s3, secretAccessKey: 'wrong-secret-key', maxAttempts: 1 });
    await expectCode(bad.put('x', Buffer.from('x')), 'STRATA_ERR_STORE_INVALID_CREDENTIALS');
    await bad.close();
    const gone = new S3Store({ ...s3, bucket: `missing-${randomBytes(4).toString('hex')}`, maxAttempts: 1 });
    await expectCode(gone.put('x', Buffer.from('x')), 'STRATA_ERR_STORE_BUCKET_MISSING');
    await gone.close();
  });

  it('signs the AWS documentation example (PUT Object) to the published signature', () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "PUT Object"
    const payload = createHash('sha256').update('Welcome to Amazon S3.').digest('hex');
    const h = sign(
      { region: 'us-east-1', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'PUT',
      'examplebucket.s3.amazonaws.com',
      '/test%24file.text',
      payload,
      { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      new Date('2013-05-24T00:00:00Z'),
    );
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
  });

  it('signs the AWS documentation example (GET Object with Range) to the published signature', () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object"
    const h = signGet(
      { region: 'us-east-1', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'examplebucket.s3.amazonaws.com',
      '/test.txt',
      { range: 'bytes=0-9', 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      new Date('2013-05-24T00:00:00Z'),
    );
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});
