/** The cache contract over a real MinIO (S3Store), memory + SSD. */
import { afterAll } from 'vitest';
import { S3Store } from '../../src/store/s3.js';
import { createTestBucket, testS3 } from '../support/s3.js';
import { cacheContract } from './contract.js';

let store: S3Store | undefined;

async function s3Store(): Promise<S3Store> {
  if (!store) {
    const cfg = await testS3();
    const bucket = await createTestBucket('cache');
    store = new S3Store({ bucket, endpoint: cfg.endpoint, region: cfg.region, accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey, forcePathStyle: true, maxAttempts: 2 });
  }
  return store;
}

afterAll(async () => {
  await store?.close();
});

cacheContract('memory + SSD over S3Store (MinIO)', async () => ({ store: await s3Store(), ssd: true }));
