/**
 * The S3 endpoint of the test run (a real MinIO started by test/support/global-setup.ts, or
 * STRATA_TEST_S3_ENDPOINT). Use from any test:
 *
 *   const s3 = await testS3();                 // { endpoint, region, bucket, accessKeyId, secretAccessKey, forcePathStyle }
 *   const bucket = await createTestBucket('log'); // a fresh, empty bucket of your own
 *
 * The endpoint reaches the test workers two ways: vitest provide/inject ('strataS3') and env variables
 * (STRATA_TEST_S3_*) set by the globalSetup before the workers fork.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface TestS3Config {
  endpoint: string;
  region: string;
  /** A bucket shared by the whole run (created by the globalSetup). Prefer createTestBucket() for isolation. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
}

declare module 'vitest' {
  export interface ProvidedContext {
    strataS3: TestS3Config;
  }
}

export const DEFAULT_TEST_BUCKET = 'strata-test';

/** Reads the config from STRATA_TEST_S3_* env variables (undefined when no endpoint is set). */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TestS3Config | undefined {
  if (!env.STRATA_TEST_S3_ENDPOINT) return undefined;
  return {
    endpoint: env.STRATA_TEST_S3_ENDPOINT.replace(/\/+$/, ''),
    region: env.STRATA_TEST_S3_REGION || 'us-east-1',
    bucket: env.STRATA_TEST_S3_BUCKET || DEFAULT_TEST_BUCKET,
    accessKeyId: env.STRATA_TEST_S3_ACCESS_KEY || 'minioadmin',
    secretAccessKey: env.STRATA_TEST_S3_SECRET_KEY || 'minioadmin',
    forcePathStyle: true,
  };
}

export async function testS3(): Promise<TestS3Config> {
  let provided: TestS3Config | undefined;
  try {
    // Imported lazily so the globalSetup (main process) can import this file without vitest's runtime.
    const { inject } = await import('vitest');
    provided = inject('strataS3');
  } catch {
    // not inside a vitest worker
  }
  const config = provided ?? s3ConfigFromEnv();
  if (!config) {
    throw new Error('no test S3 endpoint: test/support/global-setup.ts did not run (run tests through vitest) and STRATA_TEST_S3_ENDPOINT is unset');
  }
  return config;
}

export function adminClient(config: TestS3Config): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: 2,
  });
}

/** Creates the bucket; an existing bucket of ours is fine. */
export async function ensureBucket(config: TestS3Config, bucket: string): Promise<void> {
  const client = adminClient(config);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
}

/** Creates a fresh, uniquely named bucket and returns its name. `prefix` is lowercased and trimmed to fit. */
export async function createTestBucket(prefix = 't'): Promise<string> {
  const config = await testS3();
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 't';
  const name = `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await ensureBucket(config, name);
  return name;
}
