import { describe, expect, it } from 'vitest';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { adminClient, createTestBucket, testS3 } from '../support/s3.js';

describe('MinIO test harness', () => {
  it('gives every worker the endpoint through inject and env', async () => {
    const s3 = await testS3();
    expect(s3.endpoint).toMatch(/^https?:\/\//);
    expect(process.env.STRATA_TEST_S3_ENDPOINT).toBe(s3.endpoint);
    expect(s3.forcePathStyle).toBe(true);
  });

  it('creates fresh buckets on the real server', async () => {
    const s3 = await testS3();
    const a = await createTestBucket('Harness_Test');
    const b = await createTestBucket('harness-test');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^harness-test-/);
    const client = adminClient(s3);
    const names = (await client.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name);
    client.destroy();
    expect(names).toContain(a);
    expect(names).toContain(s3.bucket);
  });
});
