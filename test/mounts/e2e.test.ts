/**
 * End to end on the real process: `strata start` with the test MinIO as its S3 endpoint (its own store stays
 * fs), `strata mount s3://…` through the CLI, batch and epoch reads over HTTP, and a restart with identical offsets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRawFrame } from '../../src/broker/batch/raw-frame.js';
import { S3Store } from '../../src/store/s3.js';
import { runStrata, startStrata, type StrataProcess } from '../support/process.js';
import { createTestBucket, testS3 } from '../support/s3.js';

let strata: StrataProcess | undefined;
let args: string[];
let bucket: string;
let dataDir: string | undefined;

beforeAll(async () => {
  const s3 = await testS3();
  bucket = await createTestBucket('e2emount');
  const src = new S3Store({ bucket, endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
  for (let i = 0; i < 40; i++) await src.put(`imgs/${String(i).padStart(3, '0')}.bin`, Buffer.alloc(128, i));
  await src.close();
  args = ['--s3-endpoint', s3.endpoint, '--s3-access-key-id', s3.accessKeyId, '--s3-secret-access-key', s3.secretAccessKey, '--mount-poll-interval', '200ms'];
});
afterAll(async () => {
  await strata?.stop();
});

async function batch(path: string): Promise<{ values: string[]; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${strata!.httpPort}${path}`);
  expect(res.status, await res.clone().text()).toBe(200);
  const d = decodeRawFrame(Buffer.from(await res.arrayBuffer()));
  return { values: d.records.map((r) => `${r.offset}:${r.value![0]}`), headers: res.headers };
}

describe('mounts in the real process', () => {
  it('strata mount over HTTP, batch + epoch reads, same offsets after a restart', async () => {
    strata = await startStrata({ args });
    dataDir = strata.dataDir;
    const cli = await runStrata(['mount', `s3://${bucket}/imgs/`, '--topic', 'ml/imgs', '--format', 'raw', '--url', `http://127.0.0.1:${strata.httpPort}`]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ highWatermark: 40 });
    const first = await batch('/v1/namespaces/ml/topics/imgs/partitions/0/batch?offset=0&max_records=100');
    expect(first.values).toEqual(Array.from({ length: 40 }, (_, i) => `${i}:${i}`));
    const epoch = await batch('/v1/namespaces/ml/topics/imgs/epoch-batches?seed=1&epoch=0&batch_size=40');
    expect(epoch.headers.get('x-strata-next-position')).toBe('-1');
    expect(new Set(epoch.values).size).toBe(40);
    await strata.stop();
    strata = await startStrata({ args, dataDir });
    const again = await batch('/v1/namespaces/ml/topics/imgs/partitions/0/batch?offset=0&max_records=100');
    expect(again.values).toEqual(first.values);
    const epochAgain = await batch('/v1/namespaces/ml/topics/imgs/epoch-batches?seed=1&epoch=0&batch_size=40');
    expect(epochAgain.values).toEqual(epoch.values);
  }, 120_000);
});
