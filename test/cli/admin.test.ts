/**
 * The admin CLI end to end: the real `strata start` process and the real `node bin/strata.js <command>` as child
 * processes. Topics create/list/describe/delete, records produced over HTTP seen in describe, group lag after a
 * Kafka client (kafkajs) commits offsets, --json output, and the exit codes (1 broker error, 2 usage, 3 unreachable).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStrata, startStrata, type StrataProcess } from '../support/process.js';

let s: StrataProcess;
let url: string;
const files = mkdtempSync(join(tmpdir(), 'strata-cli-mount-'));

beforeAll(async () => {
  mkdirSync(join(files, 'data'));
  for (let i = 0; i < 3; i++) writeFileSync(join(files, 'data', `${i}.jsonl`), '{"a":1}\n{"a":2}\n');
  s = await startStrata({ env: { STRATA_MOUNT_ALLOWED_DIRS: files } });
  url = `http://127.0.0.1:${s.httpPort}`;
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

/** `strata <args> --url <the test broker>`. */
async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runStrata([...args, '--url', url]);
}

async function produce(topic: string, records: Array<{ value: string; partition: number }>): Promise<void> {
  const res = await fetch(`${url}/v1/namespaces/default/topics/${topic}/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
  expect(res.status).toBe(200);
}

describe('strata topics', () => {
  it('create, list, describe (high watermarks after produce), delete', async () => {
    const created = await cli('topics', 'create', 'orders', '--partitions', '3', '--retention-ms', '-1');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe('created default/orders (3 partitions)\n');

    const again = await cli('topics', 'create', 'orders');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/STRATA_ERR_TOPIC_EXISTS/);
    expect((await cli('topics', 'create', 'default/orders', '--if-not-exists')).stdout).toBe('exists default/orders (3 partitions)\n');

    await produce('orders', [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }, { value: 'c', partition: 2 }]);

    const list = await cli('topics', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAMESPACE +TOPIC +PARTITIONS +RECORDS +RETENTION_MS +READ_ONLY\n/);
    expect(list.stdout).toMatch(/^default +orders +3 +3 +forever +no$/m);

    const human = await cli('topics', 'describe', 'orders');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^records: +3$/m);
    expect(human.stdout).toMatch(/^ +0 +0 +2 +2$/m);
    expect(human.stdout).toMatch(/^ +2 +0 +1 +1$/m);

    const described = await cli('topics', 'describe', 'orders', '--json');
    const info = JSON.parse(described.stdout) as { name: string; config: { retentionMs: number | null }; partitions: Array<{ partition: number; highWatermark: number }> };
    expect(info.name).toBe('orders');
    expect(info.config.retentionMs).toBeNull();
    expect(info.partitions.map((p) => p.highWatermark)).toEqual([2, 0, 1]);

    const listJson = JSON.parse((await cli('topics', 'list', '--json')).stdout) as { topics: Array<{ name: string }> };
    expect(listJson.topics.map((t) => t.name)).toContain('orders');

    await cli('topics', 'create', 'other/t1', 'other/t2');
    const all = await cli('topics', 'list', '--all');
    expect(all.stdout).toMatch(/^other +t1 /m);
    expect(all.stdout).toMatch(/^default +orders /m);
    expect((await cli('topics', 'list', '-n', 'other', '--json')).stdout).toMatch(/"t2"/);

    const namespaces = await cli('namespaces', 'list', '--json');
    expect(JSON.parse(namespaces.stdout)).toEqual({ namespaces: [{ name: 'default', topics: 1, registered: false }, { name: 'other', topics: 2, registered: false }] });

    const deleted = await cli('topics', 'delete', 'other/t1', 'other/t2', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: [{ namespace: 'other', topic: 't1', deleted: true }, { namespace: 'other', topic: 't2', deleted: true }] });
    expect((await cli('topics', 'describe', 'other/t1')).code).toBe(1);
    expect((await cli('topics', 'delete', 'other/t1', '--if-exists')).stdout).toBe('absent other/t1\n');
  }, 60_000);
});

describe('strata groups', () => {
  it('describe shows committed offsets and lag = high watermark − committed offset', async () => {
    await cli('topics', 'create', 'lagged', '--partitions', '2');
    await produce('lagged', [0, 1, 2, 3, 4].map((i) => ({ value: `v${i}`, partition: i % 2 })));
    const kafka = new Kafka({ brokers: [`127.0.0.1:${s.kafkaPort}`], clientId: 'cli-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: 'billing', topic: 'lagged', partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
    } finally {
      await admin.disconnect();
    }

    const human = await cli('groups', 'describe', 'billing');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^group default\/billing: 2 partitions, total lag 2\n/);
    expect(human.stdout).toMatch(/^lagged +0 +1 +3 +2$/m);
    expect(human.stdout).toMatch(/^lagged +1 +2 +2 +0$/m);

    const json = JSON.parse((await cli('groups', 'describe', 'billing', '--json')).stdout) as { totalLag: number; partitions: Array<{ partition: number; committedOffset: number; highWatermark: number; lag: number }> };
    expect(json.totalLag).toBe(2);
    expect(json.partitions).toEqual([
      expect.objectContaining({ partition: 0, committedOffset: 1, highWatermark: 3, lag: 2 }),
      expect.objectContaining({ partition: 1, committedOffset: 2, highWatermark: 2, lag: 0 }),
    ]);

    const list = await cli('groups', 'list');
    expect(list.stdout).toMatch(/^billing +lagged +2 +2$/m);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^strata_consumer_lag_records\{namespace="default",group="billing",topic="lagged",partition="0"\} 2$/m);

    const unknown = await cli('groups', 'describe', 'nobody', '--json');
    expect(unknown.code).toBe(1);
    expect((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code).toBe('STRATA_ERR_GROUP_NOT_FOUND');
  }, 60_000);
});

describe('status, cache stats and exit codes', () => {
  it('cache stats, status, usage errors (2), broker errors (1), unreachable broker (3)', async () => {
    const cache = await cli('cache', 'stats', '--json');
    expect(cache.code, cache.stderr).toBe(0);
    const body = JSON.parse(cache.stdout) as { stats: { hits: Record<string, number>; misses: number } };
    expect(body.stats.hits).toHaveProperty('memory');
    expect((await cli('cache', 'stats')).stdout).toMatch(/^memory +\d+/m);

    const status = (await (await fetch(`${url}/v1/status`)).json()) as { version: string; uptimeSeconds: number; listeners: Record<string, number>; ready: boolean };
    expect(status).toMatchObject({ ready: true, listeners: { http: s.httpPort, kafka: s.kafkaPort, mqtt: s.mqttPort } });
    expect(status.uptimeSeconds).toBeGreaterThan(0);
    const human = await cli('status');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^listeners: .*http ${s.httpPort}.*; up [\\d.]+ s$`, 'm'));
    expect(JSON.parse((await cli('status', '--json')).stdout)).toMatchObject({ ready: true, listeners: { http: s.httpPort } });

    expect((await cli('topics', 'describe', 'no-such-topic')).code).toBe(1);
    for (const bad of [['topics', 'list', '--bogus'], ['topics', 'frobnicate'], ['topics'], ['groups', 'describe'], ['topics', 'create', 'x', '--partitions', 'many'], ['namespaces', 'list', 'extra']]) {
      const r = await cli(...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr, bad.join(' ')).toMatch(/^strata \w+/);
    }
    const help = await runStrata(['topics', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: strata topics list/);

    // a port nothing listens on: the broker is stopped after this test file, so take a fresh closed port
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const closed = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const down = await runStrata(['topics', 'list', '--url', `http://127.0.0.1:${closed}`]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach the broker at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const viaEnv = await runStrata(['groups', 'list'], { env: { STRATA_URL: `http://127.0.0.1:${closed}` } });
    expect(viaEnv.code).toBe(3);
    expect((await runStrata(['status', '--url', `http://127.0.0.1:${closed}`])).code).toBe(3);
  }, 60_000);
});

describe('strata mounts', () => {
  it('create (delegated to strata mount), list, describe --wait, delete', async () => {
    const created = await cli('mounts', 'create', `file://${join(files, 'data')}`, '--topic', 'default/lines', '--format', 'jsonl');
    expect(created.code, created.stderr).toBe(0);
    const described = await cli('mounts', 'describe', 'lines', '--wait', '--json');
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ topic: 'lines', format: 'jsonl', highWatermark: 6, progress: { objectsIndexed: 3, objectsTotal: 3, listing: false } });
    const list = await cli('mounts', 'list');
    expect(list.stdout).toMatch(/^TOPIC +SOURCE +FORMAT +RECORDS +OBJECTS +STATE\n/);
    expect(list.stdout).toMatch(/^lines +file:\/\/\S+ +jsonl +6 +3\/3 +ready$/m);
    expect((await cli('mounts', 'describe', 'default/lines')).stdout).toMatch(/^objects: +3 indexed \/ 3 discovered$/m);
    expect((await cli('mounts', 'delete', 'lines')).stdout).toBe('deleted mount default/lines\n');
    expect((await cli('mounts', 'describe', 'lines')).code).toBe(1);
  }, 60_000);
});
