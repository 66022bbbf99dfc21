/**
 * Real-process fault tests on MinIO: the store stopped for 10 s during a produce load, and two processes
 * on one bucket (the older is fenced).
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../src/errors.js';
import { startMinio } from '../support/minio.js';
import { startStrata, type StrataProcess } from '../support/process.js';
import { createTestBucket, ensureBucket, testS3 } from '../support/s3.js';
import { checkAcks, ProduceLoad, readAll, sleep } from './support/load.js';

const base = '/v1/namespaces/fault/topics/t';

function s3Env(endpoint: string, bucket: string, accessKeyId: string, secretAccessKey: string): Record<string, string> {
  return { STRATA_S3_BUCKET: bucket, STRATA_S3_ENDPOINT: endpoint, STRATA_S3_REGION: 'us-east-1', STRATA_S3_ACCESS_KEY_ID: accessKeyId, STRATA_S3_SECRET_ACCESS_KEY: secretAccessKey };
}

async function createTopic(p: StrataProcess, partitions: number): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${p.httpPort}${base}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partitions }) });
  expect(r.status).toBe(201);
}

describe('object-store faults (real process, MinIO)', () => {
  it('MinIO stopped for 10 s: nothing acknowledged is lost, producers wait or get retriable errors, throughput recovers', async () => {
    const minio = await startMinio();
    const cfg = { endpoint: minio.endpoint, region: 'us-east-1', bucket: 'outage', accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey, forcePathStyle: true as const };
    await ensureBucket(cfg, 'outage');
    const env = { ...s3Env(minio.endpoint, 'outage', minio.accessKeyId, minio.secretAccessKey), STRATA_MAX_INFLIGHT_BYTES: '256KiB', STRATA_BACKPRESSURE_TIMEOUT: '2s' };
    const proc = await startStrata({ env });
    try {
      await createTopic(proc, 4);
      const load = new ProduceLoad(() => proc.httpPort, `${base}/records`, { producers: 6, batch: 200, target: Infinity, valueBytes: 400 });
      load.start();
      await sleep(3000);
      const before = load.stats.acked;
      expect(before).toBeGreaterThan(0);
      await minio.stop();
      await sleep(10_000);
      const duringOutage = load.stats.acked - before;
      await minio.start();
      const restarted = load.stats.acked;
      const deadline = Date.now() + 30_000;
      while (load.stats.acked < restarted + 20_000 && Date.now() < deadline) await sleep(200);
      await load.stop();
      const recovered = load.stats.acked - restarted;
      console.log(JSON.stringify({ before, duringOutage, recovered, errors: load.stats.errors, connectionErrors: load.stats.connectionErrors, timeline: load.stats.timeline }));
      expect(recovered).toBeGreaterThanOrEqual(20_000); // throughput came back without a restart
      expect(duringOutage).toBeLessThan(5_000); // (acks during the outage are only those whose PUT landed just before it)
      expect(load.stats.connectionErrors).toBe(0); // the process stayed up
      for (const code of Object.keys(load.stats.errors)) expect(ERROR_CATALOG[code as ErrorCode]?.retriable, code).toBe(true);
      const back = await readAll(proc.httpPort, base, 4);
      expect(checkAcks(load.acks, back)).toEqual([]);
      expect(await proc.stop()).toBe(0);
    } finally {
      proc.kill('SIGKILL');
      await minio.dispose();
      rmSync(proc.dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('two processes on one bucket: the older is fenced, the data stays consistent', async () => {
    const s3 = await testS3();
    const bucket = await createTestBucket('fence');
    const env = s3Env(s3.endpoint, bucket, s3.accessKeyId, s3.secretAccessKey);
    const a = await startStrata({ env });
    let b: StrataProcess | undefined;
    let c: StrataProcess | undefined;
    try {
      await createTopic(a, 2);
      const loadA = new ProduceLoad(() => a.httpPort, `${base}/records`, { producers: 4, batch: 50, target: Infinity });
      loadA.start();
      await sleep(1500);
      b = await startStrata({ env });
      const loadB = new ProduceLoad(() => b!.httpPort, `${base}/records`, { producers: 4, batch: 50, target: Infinity });
      loadB.start();
      await sleep(2000);
      await Promise.all([loadA.stop(), loadB.stop()]);
      console.log(JSON.stringify({ a: loadA.stats.acked, aErrors: loadA.stats.errors, b: loadB.stats.acked, bErrors: loadB.stats.errors }));
      expect(loadA.stats.errors.STRATA_ERR_FENCED).toBeGreaterThan(0);
      expect(loadB.stats.acked).toBeGreaterThan(0);
      expect(Object.keys(loadB.stats.errors)).toEqual([]);
      expect(a.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith('fenced'))).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${a.httpPort}/readyz`);
      expect(ready.status).toBe(503);
      const acks = [...loadA.acks, ...loadB.acks];
      expect(checkAcks(acks, await readAll(b.httpPort, base, 2))).toEqual([]);
      await b.stop();
      c = await startStrata({ env });
      expect(checkAcks(acks, await readAll(c.httpPort, base, 2))).toEqual([]);
    } finally {
      for (const p of [a, b, c]) {
        if (!p) continue;
        p.kill('SIGKILL');
        rmSync(p.dataDir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});
