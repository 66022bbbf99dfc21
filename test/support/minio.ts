/**
 * Runs a private MinIO server from the `minio` binary (PATH, then <repo>/.cache/bin/minio) on 127.0.0.1.
 * Used by the vitest globalSetup, by fault tests that stop and restart the store, and by bench/.
 *
 *   const m = await startMinio();        // random free port, fresh temp data dir
 *   await m.stop(); await m.start();     // same port and data: objects survive
 *   await m.kill();                      // SIGKILL, as a crash
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINIO_ROOT_USER = 'minioadmin';
export const MINIO_ROOT_PASSWORD = 'minioadmin';
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const CACHED_MINIO = join(REPO_ROOT, '.cache', 'bin', 'minio');

export interface MinioOptions {
  /** Data directory; default a fresh temp dir that stop({ removeData: true }) / dispose() removes. */
  dataDir?: string;
  /** Port of the S3 API; default a random free port on 127.0.0.1. */
  port?: number;
  /** Binary; default findMinioBinary(). */
  binary?: string;
}

export interface MinioServer {
  endpoint: string;
  port: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Starts it again (same port, same data). No-op if running. */
  start(): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Stops it and removes the data dir if startMinio created it. */
  dispose(): Promise<void>;
}

/** The minio binary to use, or undefined: $STRATA_MINIO_BIN, then `minio` on PATH, then .cache/bin/minio. */
export function findMinioBinary(): string | undefined {
  const candidates = [process.env.STRATA_MINIO_BIN, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'minio')), CACHED_MINIO];
  for (const c of candidates) {
    if (c && existsSync(c) && spawnSync(c, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0) return c;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(endpoint: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`minio exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`minio at ${endpoint} was not ready after ${timeoutMs} ms:\n${output()}`);
}

export async function startMinio(options: MinioOptions = {}): Promise<MinioServer> {
  const binary = options.binary ?? findMinioBinary();
  if (!binary) throw new Error(`no minio binary: ${missingMinioHelp()}`);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-minio-'));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let log = '';

  const launch = async (): Promise<void> => {
    log = '';
    const consolePort = await freePort();
    const proc = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
      env: { ...process.env, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer): void => {
      log = (log + d.toString()).slice(-4000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    child = proc;
    // If the test process dies without its teardown, do not leave the server running.
    const onExit = (): void => void proc.kill('SIGKILL');
    process.once('exit', onExit);
    proc.once('exit', () => process.removeListener('exit', onExit));
    await waitReady(`http://127.0.0.1:${port}`, proc, () => log);
  };

  const waitExit = (proc: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> =>
    new Promise((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      proc.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      proc.kill(signal);
    });

  const server: MinioServer = {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    accessKeyId: MINIO_ROOT_USER,
    secretAccessKey: MINIO_ROOT_PASSWORD,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      await launch();
    },
    async stop() {
      if (child) await waitExit(child, 'SIGTERM', 5000);
      child = undefined;
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL', 5000);
      child = undefined;
    },
    async dispose() {
      await server.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  // A random port may be taken between freePort() and minio's bind: retry a few times with new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      return server;
    } catch (err) {
      await server.kill();
      if (attempt >= 3 || options.port !== undefined) {
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }
}

export function missingMinioHelp(): string {
  return [
    'the S3 tests need a real MinIO and none is available. Do one of:',
    '  1. npm run minio:install   (builds the pinned MinIO into .cache/bin/minio; needs Go >= 1.24 on PATH)',
    '  2. put a `minio` server binary on PATH (or set STRATA_MINIO_BIN=/path/to/minio)',
    '  3. start a Docker engine (testcontainers then runs the minio/minio image)',
    '  4. set STRATA_TEST_S3_ENDPOINT (and STRATA_TEST_S3_ACCESS_KEY / STRATA_TEST_S3_SECRET_KEY / STRATA_TEST_S3_REGION) to an existing S3-compatible endpoint',
  ].join('\n');
}
