/**
 * FsStore conditional puts across processes: N child processes race on one key in one directory.
 * The children run the real src/store/fs.ts, transpiled on the fly (no build step needed).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../src/store/fs.js';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '../..');
const FILES = ['src/errors.ts', 'src/store/types.ts', 'src/store/util.ts', 'src/store/fs-lock.ts', 'src/store/fs.ts'];
const N = 8;
let work: string;

const CHILD = `
import { FsStore } from './src/store/fs.js';
const [dir, mode, id, rounds, startAt] = process.argv.slice(2);
const store = new FsStore({ dir, fsync: false }); // atomicity does not depend on fsync; keeps the test fast
while (Date.now() < Number(startAt)); // spin: every child starts at the same moment
const won = [];
for (let r = 0; r < Number(rounds); r++) {
  if (mode === 'create') {
    try {
      await store.put('k/' + r, Buffer.from(id), { ifNoneMatch: '*' });
      won.push(r);
    } catch (err) {
      if (err.code !== 'STRATA_ERR_PRECONDITION_FAILED') throw err;
    }
  } else {
    // compare-and-swap increment: read, then write n+1 only if nobody wrote meanwhile
    for (;;) {
      const cur = await store.get('counter');
      try {
        await store.put('counter', Buffer.from(String(Number(cur.body) + 1)), { ifMatch: cur.etag });
        break;
      } catch (err) {
        if (err.code !== 'STRATA_ERR_PRECONDITION_FAILED') throw err;
      }
    }
  }
}
console.log(JSON.stringify(won));
`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'strata-fsmp-'));
  await writeFile(join(work, 'package.json'), '{"type":"module"}');
  for (const f of FILES) {
    const out = ts.transpileModule(await readFile(join(ROOT, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    await mkdir(dirname(join(work, f)), { recursive: true });
    await writeFile(join(work, f.replace(/\.ts$/, '.js')), out);
  }
  await writeFile(join(work, 'child.mjs'), CHILD);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function runChild(args: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(work, 'child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child exited ${code}: ${out}`))));
  });
}

/** Starts N children that run `rounds` operations each, all starting at the same instant. */
async function race(dir: string, mode: 'create' | 'counter', rounds: number): Promise<number[][]> {
  const startAt = String(Date.now() + 2000); // all children are up by then
  return Promise.all(Array.from({ length: N }, (_, i) => runChild([dir, mode, String(i), String(rounds), startAt])));
}

describe(`FsStore across ${N} processes`, () => {
  it('ifNoneMatch: exactly one process creates each key', async () => {
    const dir = join(work, 'data-create');
    const rounds = 40;
    const wins = await race(dir, 'create', rounds);
    const store = new FsStore({ dir });
    for (let r = 0; r < rounds; r++) {
      const winners = wins.flatMap((w, i) => (w.includes(r) ? [i] : []));
      expect(winners, `key k/${r}`).toHaveLength(1);
      expect((await store.get(`k/${r}`)).body.toString()).toBe(String(winners[0]));
    }
  }, 60_000);

  it('ifMatch: concurrent compare-and-swap increments lose no update', async () => {
    const dir = join(work, 'data-counter');
    const store = new FsStore({ dir });
    await store.put('counter', Buffer.from('0'));
    const rounds = 15;
    await race(dir, 'counter', rounds);
    expect((await store.get('counter')).body.toString()).toBe(String(N * rounds));
    expect((await store.list()).objects.map((o) => o.key)).toEqual(['counter']);
  }, 60_000);
});
