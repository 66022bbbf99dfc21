/**
 * vitest globalSetup: provides a real S3 endpoint (MinIO) to every test of the run. In order:
 *   1. STRATA_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY, _REGION; default minioadmin/minioadmin, us-east-1)
 *   2. testcontainers' MinIO when a Docker engine answers `docker info`
 *   3. a `minio` binary (PATH, then .cache/bin/minio) on 127.0.0.1, random port, temp data dir
 * If none works the run fails with what to install; S3 tests are never skipped silently.
 * The config reaches workers via provide('strataS3') and via STRATA_TEST_S3_* env (set before workers fork).
 */
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { findMinioBinary, missingMinioHelp, startMinio, MINIO_ROOT_PASSWORD, MINIO_ROOT_USER } from './minio.js';
import { DEFAULT_TEST_BUCKET, ensureBucket, s3ConfigFromEnv, type TestS3Config } from './s3.js';

// The AWS SDK warns on every process that Node 20 support ends in 2027; keep test output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The image used when Docker is available. Override with STRATA_TEST_MINIO_IMAGE. */
export const MINIO_IMAGE = process.env.STRATA_TEST_MINIO_IMAGE || 'minio/minio:RELEASE.2025-09-07T16-13-09Z';

function dockerAnswers(): boolean {
  if (process.env.STRATA_TEST_NO_DOCKER) return false;
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

async function fromDocker(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(MINIO_IMAGE)
    .withEnvironment({ MINIO_ROOT_USER, MINIO_ROOT_PASSWORD })
    .withCommand(['server', '/data'])
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
    .start();
  return {
    endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let config = s3ConfigFromEnv();
  let stop: () => Promise<void> = async () => {};
  let how = 'STRATA_TEST_S3_ENDPOINT';
  if (!config) {
    let endpoint: string | undefined;
    const errors: string[] = [];
    if (dockerAnswers()) {
      try {
        const c = await fromDocker();
        endpoint = c.endpoint;
        stop = c.stop;
        how = `testcontainers ${MINIO_IMAGE}`;
      } catch (err) {
        errors.push(`testcontainers MinIO failed: ${(err as Error).message}`);
      }
    }
    if (!endpoint && findMinioBinary()) {
      try {
        const m = await startMinio();
        endpoint = m.endpoint;
        stop = () => m.dispose();
        how = `minio binary on port ${m.port}`;
      } catch (err) {
        errors.push(`minio binary failed: ${(err as Error).message}`);
      }
    }
    if (!endpoint) {
      throw new Error(`Strata tests: ${missingMinioHelp()}${errors.length ? `\n\nTried:\n  ${errors.join('\n  ')}` : ''}`);
    }
    config = {
      endpoint,
      region: 'us-east-1',
      bucket: DEFAULT_TEST_BUCKET,
      accessKeyId: MINIO_ROOT_USER,
      secretAccessKey: MINIO_ROOT_PASSWORD,
      forcePathStyle: true,
    } satisfies TestS3Config;
  }
  try {
    await ensureBucket(config, config.bucket);
  } catch (err) {
    await stop();
    throw new Error(`Strata tests: cannot create bucket ${config.bucket} at ${config.endpoint} (${how}): ${(err as Error).message}`);
  }
  process.env.STRATA_TEST_S3_ENDPOINT = config.endpoint;
  process.env.STRATA_TEST_S3_REGION = config.region;
  process.env.STRATA_TEST_S3_BUCKET = config.bucket;
  process.env.STRATA_TEST_S3_ACCESS_KEY = config.accessKeyId;
  process.env.STRATA_TEST_S3_SECRET_KEY = config.secretAccessKey;
  project.provide('strataS3', config);
  return async () => {
    await stop();
  };
}
