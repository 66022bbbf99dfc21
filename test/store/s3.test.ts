import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3Store } from '../../src/store/s3.js';
import { expectCode, runObjectStoreContract } from '../support/store-contract.js';
import { createTestBucket, testS3 } from '../support/s3.js';

/** Each contract test gets a fresh key prefix in the run's shared bucket. */
runObjectStoreContract('s3 (real MinIO)', async () => {
  const s3 = await testS3();
  return new S3Store({ ...s3, prefix: `contract/${randomBytes(6).toString('hex')}`, maxAttempts: 2 });
});

describe('S3Store on MinIO', () => {
  it('works at the bucket root (no prefix) in a bucket of its own', async () => {
    const s3 = await testS3();
    const store = new S3Store({ ...s3, bucket: await createTestBucket('root') });
    await store.check();
    await store.put('x', Buffer.from('1'));
    expect((await store.list()).objects.map((o) => o.key)).toEqual(['x']);
    expect(store.location).toMatch(/^s3:\/\/root-/);
    await store.close();
  });

  it('keeps its prefix: other prefixes are invisible', async () => {
    const s3 = await testS3();
    const bucket = await createTestBucket('prefix');
    const a = new S3Store({ ...s3, bucket, prefix: 'a' });
    const ab = new S3Store({ ...s3, bucket, prefix: '/ab/' });
    await a.put('k', Buffer.from('a'));
    await ab.put('k', Buffer.from('ab'));
    expect((await a.list()).objects.map((o) => o.key)).toEqual(['k']);
    expect((await ab.get('k')).body.toString()).toBe('ab');
    expect(ab.location).toBe(`s3://${bucket}/ab/`);
    await a.close();
    await ab.close();
  });

  it('serves 16+ concurrent requests on one store', async () => {
    const s3 = await testS3();
    const store = new S3Store({ ...s3, prefix: `conc/${randomBytes(4).toString('hex')}` });
    const body = randomBytes(256 * 1024);
    await Promise.all(Array.from({ length: 32 }, (_, i) => store.put(`o${i}`, body)));
    const got = await Promise.all(Array.from({ length: 32 }, (_, i) => store.get(`o${i}`, { range: { offset: 1000, length: 10 } })));
    for (const g of got) expect(g.body.equals(body.subarray(1000, 1010))).toBe(true);
    await store.close();
  });

  it('a zero-length range answers from HEAD', async () => {
    const s3 = await testS3();
    const store = new S3Store({ ...s3, prefix: `zr/${randomBytes(4).toString('hex')}` });
    await store.put('k', Buffer.from('abc'));
    const r = await store.get('k', { range: { offset: 1, length: 0 } });
    expect(r.body.length).toBe(0);
    expect(r.size).toBe(3);
    await expectCode(store.get('k', { range: { offset: 3, length: 0 } }), 'STRATA_ERR_INVALID_RANGE');
    await store.close();
  });
});

describe('S3Store conditional put with a lost response', () => {
  /** Makes the first PUT land but lose its answer (socket reset), on the SDK path or the undici path. */
  function loseFirstPutAnswer(store: S3Store, path: 'sdk' | 'fast'): { puts: number } {
    const count = { puts: 0 };
    const lost = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }); // applied, but the answer is lost
    if (path === 'sdk') {
      const client = (store as unknown as { client: { send: (cmd: unknown, opts?: unknown) => Promise<unknown> } }).client;
      const realSend = client.send.bind(client);
      client.send = async (cmd, opts) => {
        const first = (cmd as object).constructor.name === 'PutObjectCommand' && ++count.puts === 1;
        const res = await realSend(cmd, opts);
        if (first) throw lost();
        return res;
      };
    } else {
      const fast = (store as unknown as { fast: { put: (...a: unknown[]) => Promise<string> } }).fast;
      const realPut = fast.put.bind(fast);
      fast.put = async (...a) => {
        const first = ++count.puts === 1;
        const res = await realPut(...a);
        if (first) throw lost();
        return res;
      };
    }
    return count;
  }

  it.each(['sdk', 'fast'] as const)('a retried create-only put that finds its own earlier write reports success (%s path)', async (path) => {
    const s3 = await testS3();
    const store = new S3Store({ ...s3, prefix: `lost/${randomBytes(4).toString('hex')}`, retry: { baseDelayMs: 1, maxDelayMs: 2 }, fastPut: path === 'fast' });
    const count = loseFirstPutAnswer(store, path);
    const { etag } = await store.put('once', Buffer.from('mine'), { ifNoneMatch: '*' });
    expect(count.puts).toBe(2);
    expect((await store.get('once')).etag).toBe(etag);
    // Someone else's object is still a real conflict.
    count.puts = 0;
    await expectCode(store.put('once', Buffer.from('other'), { ifNoneMatch: '*' }), 'STRATA_ERR_PRECONDITION_FAILED');
    await store.close();
  });
});
