/**
 * Mount notifications in the real process (`strata start` with the test MinIO as its S3 endpoint and a 60 s
 * poll interval): the describe output and /metrics say whether a mount listens; with a MinIO that streams
 * ListenBucketNotification a new object is readable within about a second, with one that does not (the pinned
 * test build) the mount logs one info line and polls; a file:// mount always polls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../src/store/s3.js';
import { startStrata, type StrataProcess } from '../support/process.js';
import { createTestBucket, testS3 } from '../support/s3.js';

let strata: StrataProcess | undefined;
let src: S3Store;
let bucket: string;
let dir: string;

beforeAll(async () => {
  const s3 = await testS3();
  bucket = await createTestBucket('notifye2e');
  src = new S3Store({ bucket, endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
  await src.put('in/000', Buffer.from('zero'));
  dir = mkdtempSync(join(tmpdir(), 'strata-notify-'));
  writeFileSync(join(dir, 'f'), 'file');
  const args = ['--s3-endpoint', s3.endpoint, '--s3-access-key-id', s3.accessKeyId, '--s3-secret-access-key', s3.secretAccessKey, '--mount-poll-interval', '60s', '--mount-allowed-dirs', dir];
  strata = await startStrata({ args });
});
afterAll(async () => {
  await strata?.stop();
  await src?.close();
});

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`http://127.0.0.1:${strata!.httpPort}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : {} };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<{ value: T; took: number }> {
  const t0 = Date.now();
  for (;;) {
    const value = await get();
    if (ok(value)) return { value, took: Date.now() - t0 };
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const describeMount = async (topic: string) => (await http('GET', `/v1/namespaces/ml/mounts/${topic}`)).json;
const fallbackLines = (topic: string) => strata!.logs().filter((l) => l.msg === 'mount notifications unavailable; new objects are found by LIST polling' && l.topic === topic);

describe('mount notifications in the real process', () => {
  it('s3:// mount: describe shows the listener; new objects arrive by notification, or by polling with one info line', async () => {
    expect((await http('POST', '/v1/namespaces/ml/mounts', { source: `s3://${bucket}/in/`, topic: 'live', format: 'raw' })).status).toBe(201);
    const { value: st } = await until('the listener to settle', () => describeMount('live'), (s) => ['active', 'unsupported'].includes(s.notifications?.state), 15_000);
    expect(st.notifications.mode).toBe('auto');
    await until('the first poll', () => describeMount('live'), (s) => s.highWatermark === 1, 10_000);
    await src.put('in/001', Buffer.from('one'));
    if (st.notifications.state === 'active') {
      const { took } = await until('the notified object', () => describeMount('live'), (s) => s.highWatermark === 2, 5000);
      expect(took).toBeLessThan(1500);
      const metrics = await (await fetch(`http://127.0.0.1:${strata!.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/strata_mount_notifications_total\{event="created"\} [1-9]/);
      expect(fallbackLines('live')).toHaveLength(0);
    } else {
      // the pinned MinIO build never flushes the listen stream: detected, one info line, polling only
      expect(st.notifications.reason).toMatch(/does not stream|refused|not an event stream/);
      expect(fallbackLines('live')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await describeMount('live')).highWatermark).toBe(1); // nothing but the 60 s poll could find it
    }
  }, 60_000);

  it('file:// mount: polling only, said once in the log and in describe', async () => {
    expect((await http('POST', '/v1/namespaces/ml/mounts', { source: `file://${dir}`, topic: 'files', format: 'raw' })).status).toBe(201);
    const { value } = await until('unsupported', () => describeMount('files'), (s) => s.notifications?.state === 'unsupported' && s.highWatermark === 1, 5000);
    expect(value.notifications.reason).toMatch(/file:\/\//);
    expect(fallbackLines('files')).toHaveLength(1);
  });
});
