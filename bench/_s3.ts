/**
 * The S3 endpoint every benchmark uses: STRATA_BENCH_S3_ENDPOINT (+ _REGION, _BUCKET, _ACCESS_KEY,
 * _SECRET_KEY) when set, else a private MinIO started under `dataDir`. The bucket is created if missing.
 */
import { startMinio, type MinioServer } from '../test/support/minio.js';
import { ensureBucket } from '../test/support/s3.js';

export interface BenchS3 {
  cfg: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: true };
  /** The MinIO this call started (stop it when done), or undefined for an external endpoint. */
  minio?: MinioServer;
}

export async function benchS3(dataDir: string): Promise<BenchS3> {
  const env = process.env;
  let minio: MinioServer | undefined;
  let cfg: BenchS3['cfg'];
  if (env.STRATA_BENCH_S3_ENDPOINT) {
    cfg = {
      endpoint: env.STRATA_BENCH_S3_ENDPOINT,
      region: env.STRATA_BENCH_S3_REGION ?? 'us-east-1',
      bucket: env.STRATA_BENCH_S3_BUCKET ?? 'strata-bench',
      accessKeyId: env.STRATA_BENCH_S3_ACCESS_KEY ?? 'minioadmin',
      secretAccessKey: env.STRATA_BENCH_S3_SECRET_KEY ?? 'minioadmin',
      forcePathStyle: true,
    };
  } else {
    minio = await startMinio({ dataDir });
    cfg = { endpoint: minio.endpoint, region: 'us-east-1', bucket: 'strata-bench', accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey, forcePathStyle: true };
  }
  await ensureBucket(cfg, cfg.bucket);
  return { cfg, minio };
}
