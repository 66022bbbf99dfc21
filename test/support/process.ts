/**
 * Runs the real `strata start` process for end-to-end, crash and deployment tests.
 *
 *   const s = await startStrata({ env: { STRATA_S3_BUCKET: 'b', ... } });
 *   await fetch(`http://127.0.0.1:${s.httpPort}/healthz`);
 *   s.kill('SIGKILL'); await s.exited;     // crash test
 *   await s.stop();                         // SIGTERM and wait (returns the exit code)
 *
 * Ports default to 0 (free ports, learned from the `listening` log lines) and the data dir to a fresh temp
 * dir. Inherited STRATA_* variables (other than STRATA_TEST_*) are dropped so the host's env cannot leak in.
 * Needs the compiled dist/: `npm test` builds first; when dist is missing or older than the sources, the
 * first call rebuilds it (once per run, under a lock).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'server', 'cli.js');

export interface StrataProcess {
  pid: number;
  httpPort: number;
  /** Undefined until the MQTT / Kafka listeners exist. */
  mqttPort?: number;
  kafkaPort?: number;
  dataDir: string;
  /** Parsed JSON log lines so far (stdout). */
  logs(): Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then wait for exit; returns the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Extra flags after `start`. */
  args?: string[];
  env?: Record<string, string | undefined>;
  dataDir?: string;
  /** How long to wait for the `started` log line (default 30 s). */
  timeoutMs?: number;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!existsSync(CLI)) return true;
  const built = statSync(CLI).mtimeMs;
  return ['src', 'cache', 'connectors'].some((d) => existsSync(join(ROOT, d)) && newestMtime(join(ROOT, d)) > built);
}

let built: Promise<void> | undefined;

/** Builds dist/ if it is missing or older than the sources (mkdir lock: one builder across test workers). */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    if (!isStale()) return;
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    const lock = join(ROOT, 'dist', '.build-lock');
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        // A lock left by a killed test run (older than any build takes) is removed.
        if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) rmdirSync(lock);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no build runs`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    try {
      if (!isStale()) return;
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
      // tsc still emits when some unrelated file has a type error; only a missing CLI is fatal here.
      if (!existsSync(CLI)) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
    } finally {
      rmdirSync(lock);
    }
  })();
  return built;
}

/** The env a test Strata runs with: inherited env minus STRATA_* (except STRATA_TEST_*), plus overrides. */
function childEnv(dataDir: string, env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRATA_') || k.startsWith('STRATA_TEST_')) out[k] = v;
  Object.assign(out, { STRATA_DATA_DIR: dataDir, STRATA_HTTP_PORT: '0', STRATA_MQTT_PORT: '0', STRATA_KAFKA_PORT: '0', STRATA_HOST: '127.0.0.1' });
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin', 'strata.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function parseLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line; the next read completes it
    }
  }
  return out;
}

/** Starts `strata start` and resolves once it logged `started`; rejects (with its output) if it exits first. */
export async function startStrata(options: StartOptions = {}): Promise<StrataProcess> {
  await ensureBuilt();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-data-'));
  const child = spawnCli(['start', ...(options.args ?? [])], childEnv(dataDir, options.env));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = (): Array<Record<string, unknown>> => parseLines(out);

  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`strata did not start within ${options.timeoutMs ?? 30_000} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, options.timeoutMs ?? 30_000);
    const check = (): void => {
      if (logs().some((l) => l.msg === 'started')) {
        clearTimeout(timeout);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(new Error(`strata exited with code ${code} before it started\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });

  const port = (protocol: string): number | undefined => {
    const line = logs().find((l) => l.msg === 'listening' && l.protocol === protocol);
    return typeof line?.port === 'number' ? line.port : undefined;
  };
  const httpPort = port('http');
  if (httpPort === undefined) throw new Error(`no http listening line in the log:\n${out}`);
  return {
    pid: child.pid!,
    httpPort,
    mqttPort: port('mqtt'),
    kafkaPort: port('kafka'),
    dataDir,
    logs,
    stdout: () => out,
    stderr: () => err,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    exited,
  };
}

/** Runs a strata command to completion (e.g. a start that must fail); kills it after `timeoutMs`. */
export async function runStrata(args: string[], options: { env?: Record<string, string | undefined>; dataDir?: string; timeoutMs?: number } = {}): Promise<ExitedProcess> {
  await ensureBuilt();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-data-'));
  const child = spawnCli(args, childEnv(dataDir, options.env));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
