/**
 * Crash test (issue 3, "Done when"): a child process writing SSD blocks is SIGKILLed at random moments;
 * after each kill a fresh cache opens the same directory, and every byte it serves is checked against the
 * source. Kill delays come from a seeded generator (seed printed on failure) so a failing run replays.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache } from '../../cache/index.js';
import { GeneratedSource, InstrumentedSource, contentOf } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = Number(process.env.STRATA_CRASH_SEED ?? Date.now() % 100_000);
const ROUNDS = 8;
const BS = 256 * 1024;
const SIZE = 2 * BS - 100;

let build: string;
let ssdDir: string;

/** Transpiles cache/*.ts and test/cache/support.ts to JS under node_modules/.cache (so bare imports resolve). */
function transpile(): string {
  const out = join(ROOT, 'node_modules', '.cache', `strata-cache-crash-${process.pid}`);
  const files = [...readdirSync(join(ROOT, 'cache')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join('cache', f)), join('test', 'cache', 'support.ts')];
  for (const rel of files) {
    const js = ts.transpileModule(readFileSync(join(ROOT, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    const dest = join(out, dirname(rel), basename(rel).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Runs the child until `delayMs` after it started its 4th object, SIGKILLs it, returns the last key index it started. */
function runAndKill(firstKey: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/cache/crash-child.mjs'), join(build, 'cache'), join(build, 'test/cache'), ssdDir, String(firstKey)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Start the clock once the child has finished a few objects, so every round kills it mid-work.
      if (!timer && out.includes(`k${firstKey + 3}\n`)) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited (${code}) before the kill: ${err}`));
      const keys = [...out.matchAll(/^k(\d+)$/gm)].map((m) => Number(m[1]));
      resolve(keys.length ? keys[keys.length - 1]! : firstKey);
    });
  });
}

beforeAll(() => {
  build = transpile();
  ssdDir = mkdtempSync(join(tmpdir(), 'strata-crash-'));
});

afterAll(() => {
  rmSync(build, { recursive: true, force: true });
  rmSync(ssdDir, { recursive: true, force: true });
});

describe(`SSD tier crash safety (seed ${SEED})`, () => {
  it('a SIGKILL while writing blocks never leads to a corrupt block being served', async () => {
    const random = rng(SEED);
    let next = 0;
    let servedFromSsd = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const last = await runAndKill(next, Math.floor(random() * 300));
      expect(last).toBeGreaterThan(next); // the child did write something before the kill
      const source = new InstrumentedSource(new GeneratedSource(SIZE));
      const cache = new TieredCache(source, { blockSize: BS, memoryBytes: 4 * BS, ssd: { dir: ssdDir, bytes: 16 * 1024 * 1024, admission: 'always' } });
      await cache.ready();
      expect(readdirSync(ssdDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // Every key this round touched (its files are the only ones a crash could have torn), plus the 40 before:
      // files of earlier rounds were complete and verified after their own kill, and files never change.
      for (let k = Math.max(0, next - 40); k <= last; k++) {
        const key = `k${k}`;
        const got = await cache.read({ key, etag: 'v1', size: SIZE }, 0, SIZE);
        expect(got.equals(contentOf(key, SIZE)), `round ${round} key ${key}`).toBe(true);
      }
      const s = cache.stats();
      servedFromSsd += s.hits.ssd;
      await cache.close();
      next = last + 1;
    }
    expect(servedFromSsd).toBeGreaterThan(0); // the check above exercised blocks the killed child left behind
  }, 120_000);
});
