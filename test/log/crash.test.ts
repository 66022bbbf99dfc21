/**
 * SIGKILL the real `strata start` process at random moments while producers write ≥ 100k records over
 * HTTP; restart (also with the local cache directory deleted / an empty local disk); every acknowledged
 * record must be readable at its offset, offsets in order and each exactly once. fs store and MinIO.
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStrata, type StrataProcess } from '../support/process.js';
import { createTestBucket, testS3 } from '../support/s3.js';
import { checkAcks, ProduceLoad, readAll, rng, sleep } from './support/load.js';

const PARTITIONS = 4;
const TARGET = Number(process.env.STRATA_TEST_CRASH_RECORDS ?? 100_000);
const base = '/v1/namespaces/crash/topics/t';
const MAX_KILLS = 5;

async function crashRun(env: Record<string, string>, seed: number, freshDisk: boolean): Promise<void> {
  const random = rng(seed);
  // timeoutMs: the fs store breaks a lock left by a killed process only after 30 s (src/store/fs-lock.ts).
  const opts = { env: { ...env, STRATA_COMPACTION_INTERVAL: '1500' }, timeoutMs: 60_000 };
  let dataDir = mkdtempSync(join(tmpdir(), 'strata-crash-'));
  let proc: StrataProcess | undefined = await startStrata({ ...opts, dataDir });
  const created = await fetch(`http://127.0.0.1:${proc.httpPort}${base}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partitions: PARTITIONS }) });
  expect(created.status).toBe(201);
  const load = new ProduceLoad(() => proc?.httpPort, `${base}/records`, { producers: 8, batch: 250, target: TARGET });
  load.start();
  let kills = 0;
  const restartMs: number[] = [];
  try {
    // Kill at random moments until MAX_KILLS, then let the producers finish.
    while (!load.done && kills < MAX_KILLS) {
      await sleep(300 + random() * 1200);
      if (load.done) break;
      proc.kill('SIGKILL');
      await proc.exited;
      const dead = proc;
      proc = undefined;
      kills++;
      if (freshDisk && kills % 2 === 0) {
        rmSync(dead.dataDir, { recursive: true, force: true }); // empty local disk (the store is MinIO)
        dataDir = mkdtempSync(join(tmpdir(), 'strata-crash-'));
      } else if (kills % 2 === 0) {
        rmSync(join(dead.dataDir, 'cache'), { recursive: true, force: true });
      }
      const t0 = Date.now();
      proc = await startStrata({ ...opts, dataDir });
      restartMs.push(Date.now() - t0);
    }
    while (!load.done) await sleep(100);
  } finally {
    await load.stop();
  }
  console.log(JSON.stringify({ kills, restartMs, acked: load.stats.acked, requests: load.stats.requests, errors: load.stats.errors, connectionErrors: load.stats.connectionErrors, seconds: load.stats.timeline.length }));
  expect(kills).toBeGreaterThanOrEqual(2);
  // Final restart with the cache directory deleted.
  proc!.kill('SIGKILL');
  await proc!.exited;
  rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
  const t0 = Date.now();
  proc = await startStrata({ ...opts, dataDir });
  try {
    const t1 = Date.now();
    const back = await readAll(proc.httpPort, base, PARTITIONS);
    console.log(JSON.stringify({ finalRestartMs: t1 - t0, readBackMs: Date.now() - t1 }));
    const problems = checkAcks(load.acks, back);
    expect(problems).toEqual([]);
    expect(load.acks.length).toBeGreaterThanOrEqual(TARGET);
    const total = back.partitions.reduce((s, p) => s + p.length, 0);
    expect(total).toBeGreaterThanOrEqual(load.acks.length);
  } finally {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('SIGKILL during produce (real process)', () => {
  it('fs store: every acknowledged record survives, in order, once per offset', async () => {
    await crashRun({ STRATA_STORE: 'fs' }, 1, false);
  }, 180_000);

  it('MinIO: every acknowledged record survives, also with an empty local disk', async () => {
    const s3 = await testS3();
    const bucket = await createTestBucket('crash');
    await crashRun(
      { STRATA_S3_BUCKET: bucket, STRATA_S3_ENDPOINT: s3.endpoint, STRATA_S3_REGION: s3.region, STRATA_S3_ACCESS_KEY_ID: s3.accessKeyId, STRATA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
      2,
      true,
    );
  }, 180_000);
});
