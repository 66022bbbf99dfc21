/**
 * The real `strata` process: starts on the embedded default, answers health/readiness/metrics, stops cleanly
 * on SIGTERM, and refuses bad configurations with one clear line on stderr (no stack trace) and exit code 2.
 */
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runStrata, startStrata, type StrataProcess } from '../support/process.js';
import { createTestBucket, testS3 } from '../support/s3.js';

// Build dist/ first if the sources changed (a hook, so the build time does not count against a test).
beforeAll(() => ensureBuilt(), 300_000);

const running: StrataProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

async function start(...args: Parameters<typeof startStrata>): Promise<StrataProcess> {
  const p = await startStrata(...args);
  running.push(p);
  return p;
}

function get(port: number, path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Exit 2, exactly one line on stderr naming the code, and no stack trace anywhere. */
function expectOneLineFailure(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr + r.stdout).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^strata: (cannot start|invalid configuration): /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('strata start on the embedded default', () => {
  it('serves /healthz, /readyz and /metrics, and exits 0 on SIGTERM', async () => {
    const s = await start();
    expect((await get(s.httpPort, '/healthz')).status).toBe(200);
    const ready = await get(s.httpPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', components: { store: { ready: true }, http: { ready: true } } });
    const metrics = await (await get(s.httpPort, '/metrics')).text();
    expect(metrics).toMatch(/^strata_build_info\{version="[^"]+",node_version="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes /m);

    const listening = s.logs().filter((l) => l.msg === 'listening');
    expect(listening).toContainEqual(expect.objectContaining({ protocol: 'http', port: s.httpPort, component: 'http' }));
    expect(existsSync(join(s.dataDir, 'store'))).toBe(true);

    expect(await s.stop()).toBe(0);
    const msgs = s.logs().map((l) => l.msg);
    expect(msgs).toContain('shutting down');
    expect(msgs.at(-1)).toBe('stopped');
    expect(s.stderr()).toBe('');
  });

  it('sizes the topic log cache from cacheMemory / cacheSsd', async () => {
    const metric = async (port: number, tier: string): Promise<number> => {
      const text = await (await get(port, '/metrics')).text();
      return Number(new RegExp(`^strata_cache_bytes\\{tier="${tier}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    const produce = async (port: number): Promise<void> => {
      const put = await fetch(`http://127.0.0.1:${port}/v1/namespaces/ns/topics/t`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(put.status).toBe(201);
      const value = 'v'.repeat(60_000);
      for (let i = 0; i < 8; i++) {
        // 40 records of 60 kB per request: ~19 MB in all, more than two 8 MiB blocks
        const r = await fetch(`http://127.0.0.1:${port}/v1/namespaces/ns/topics/t/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: 40 }, () => ({ value }))) });
        expect(r.status).toBe(200);
      }
    };
    const small = await start({ args: ['--cache-memory', '8MiB', '--cache-ssd', '0'] });
    await produce(small.httpPort);
    expect(await metric(small.httpPort, 'memory')).toBeGreaterThan(0);
    expect(await metric(small.httpPort, 'memory')).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(existsSync(join(small.dataDir, 'cache', 'log'))).toBe(false); // no SSD tier
    expect(await small.stop()).toBe(0);
    const big = await start();
    await produce(big.httpPort);
    expect(await metric(big.httpPort, 'memory')).toBeGreaterThan(8 * 1024 * 1024); // default 256 MiB keeps it all
    expect(existsSync(join(big.dataDir, 'cache', 'log'))).toBe(true);
    expect(await big.stop()).toBe(0);
  });

  it('exits 0 on SIGINT too, and logs JSON only', async () => {
    const s = await start({ env: { STRATA_LOG_LEVELS: 'http=debug' } });
    await get(s.httpPort, '/healthz');
    s.kill('SIGINT');
    expect(await s.exited).toBe(0);
    const lines = s.stdout().split('\n').filter(Boolean);
    expect(lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(s.logs()).toContainEqual(expect.objectContaining({ component: 'http', level: 'debug', msg: 'request', url: '/healthz' }));
  });

  it('runs on a real MinIO bucket', async () => {
    const s3 = await testS3();
    const bucket = await createTestBucket('server');
    const s = await start({
      env: { STRATA_S3_BUCKET: bucket, STRATA_S3_ENDPOINT: s3.endpoint, STRATA_S3_ACCESS_KEY_ID: s3.accessKeyId, STRATA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
    });
    expect((await get(s.httpPort, '/readyz')).status).toBe(200);
    expect(s.logs().find((l) => l.msg === 'started')).toMatchObject({ store: expect.stringContaining(bucket) });
    expect(s.stdout()).not.toContain(s3.secretAccessKey === 'minioadmin' ? '"s3SecretAccessKey":"minioadmin"' : s3.secretAccessKey);
    expect(await s.stop()).toBe(0);
  });
});

describe('strata start with a bad configuration', () => {
  it('wrong endpoint (nothing listening)', async () => {
    const port = await closedPort();
    const r = await runStrata(['start'], {
      env: { STRATA_S3_BUCKET: 'strata', STRATA_S3_ENDPOINT: `http://127.0.0.1:${port}`, STRATA_S3_ACCESS_KEY_ID: 'a', STRATA_S3_SECRET_ACCESS_KEY: 'b' },
    });
    expectOneLineFailure(r, new RegExp(`127\\.0\\.0\\.1:${port}.*\\(STRATA_ERR_STORE_UNREACHABLE\\)$`));
  });

  it('missing bucket', async () => {
    const s3 = await testS3();
    const bucket = `missing-${Date.now()}`;
    const r = await runStrata(['start', '--s3-bucket', bucket], {
      env: { STRATA_S3_ENDPOINT: s3.endpoint, STRATA_S3_ACCESS_KEY_ID: s3.accessKeyId, STRATA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
    });
    expectOneLineFailure(r, new RegExp(`${bucket}.*\\(STRATA_ERR_STORE_BUCKET_MISSING\\)$`));
  });

  it('wrong secret key', async () => {
    const s3 = await testS3();
    const r = await runStrata(['start'], {
      env: { STRATA_S3_BUCKET: s3.bucket, STRATA_S3_ENDPOINT: s3.endpoint, STRATA_S3_ACCESS_KEY_ID: s3.accessKeyId, STRATA_S3_SECRET_ACCESS_KEY: 'wrong-secret' },
    });
    expectOneLineFailure(r, /\((STRATA_ERR_STORE_INVALID_CREDENTIALS|STRATA_ERR_STORE_ACCESS_DENIED)\)$/);
    expect(r.stdout + r.stderr).not.toContain('wrong-secret');
  });

  it('invalid values and unknown flags', async () => {
    expectOneLineFailure(await runStrata(['start', '--http-port', 'eighty']), /invalid value "eighty" for --http-port.*\(STRATA_ERR_CONFIG_INVALID\)$/);
    expectOneLineFailure(await runStrata(['start', '--bogus']), /unknown option --bogus/);
    expectOneLineFailure(await runStrata(['start'], { env: { STRATA_STORE: 's3' } }), /the s3 store needs a bucket/);
  });

  it('a port already in use', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const r = await runStrata(['start'], { env: { STRATA_HTTP_PORT: String(port) } });
      expectOneLineFailure(r, new RegExp(`cannot listen for http on 127\\.0\\.0\\.1:${port}: the address is already in use \\(STRATA_ERR_LISTEN_FAILED\\)$`));
    } finally {
      server.close();
    }
  });
});

describe('strata status', () => {
  it('reports readiness and version of a running broker; exit 3 when unreachable', async () => {
    const s = await start();
    const url = `http://127.0.0.1:${s.httpPort}`;
    const json = await runStrata(['status', '--url', url, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { ready: boolean; version: string; components: Record<string, { ready: boolean }> };
    expect(report).toMatchObject({ url, reachable: true, ready: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(report.components.store.ready).toBe(true);
    const table = await runStrata(['status'], { env: { STRATA_HTTP_PORT: String(s.httpPort) } });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^strata \S+ at http:\/\/127\.0\.0\.1:\d+: ready\n/);
    expect(table.stdout).toMatch(/^store +yes$/m);
    await s.stop();

    const down = await runStrata(['status', '--url', url]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^strata status: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
    expect((await runStrata(['status', '--bogus'])).code).toBe(2);
  });
});

describe('other commands', () => {
  it('version, help, config, unknown command', async () => {
    const version = await runStrata(['version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^strata \d+\.\d+\.\d+/);
    const help = await runStrata(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--s3-endpoint');
    const config = await runStrata(['config', '--http-port', '81'], { env: { STRATA_S3_BUCKET: 'b', STRATA_S3_ACCESS_KEY_ID: 'k', STRATA_S3_SECRET_ACCESS_KEY: 'topsecret' } });
    expect(config.code).toBe(0);
    const parsed = JSON.parse(config.stdout) as { options: Array<{ option: string; value: string; source: string }> };
    expect(parsed.options).toContainEqual({ option: 'httpPort', value: '81', source: 'flag' });
    expect(parsed.options).toContainEqual({ option: 'store', value: 's3', source: 'default' });
    expect(config.stdout).not.toContain('topsecret');
    const unknown = await runStrata(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('strata: unknown command "frobnicate" (see strata --help)\n');
  });
});
