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
const [dir, key, id, mode, etag, startAt] = process.argv.slice(2);
const store = new FsStore({ dir });
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
try {
  await store.put(key, Buffer.from('proc-' + id), mode === 'create' ? { ifNoneMatch: '*' } : { ifMatch: etag });
  console.log('won');
} catch (err) {
  console.log('lost ' + (err.code ?? err.message));
}
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

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(work, 'child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', () => resolve(out.trim()));
  });
}

async function race(dir: string, key: string, mode: 'create' | 'update', etag = ''): Promise<string[]> {
  const startAt = String(Date.now() + 1500); // all children are up by then, then they go at once
  return Promise.all(Array.from({ length: N }, (_, i) => runChild([dir, key, String(i), mode, etag, startAt])));
}

describe(`FsStore across ${N} processes`, () => {
  it('ifNoneMatch: exactly one process creates the key', async () => {
    const dir = join(work, 'data-create');
    for (let round = 0; round < 2; round++) {
      const results = await race(dir, `k/${round}`, 'create');
      expect(results.filter((r) => r === 'won')).toHaveLength(1);
      expect(results.filter((r) => r === 'lost STRATA_ERR_PRECONDITION_FAILED')).toHaveLength(N - 1);
      const winner = results.indexOf('won');
      expect((await new FsStore({ dir }).get(`k/${round}`)).body.toString()).toBe(`proc-${winner}`);
    }
  }, 60_000);

  it('ifMatch: exactly one process replaces a given version', async () => {
    const dir = join(work, 'data-update');
    const store = new FsStore({ dir });
    const { etag } = await store.put('cas', Buffer.from('v0'));
    const results = await race(dir, 'cas', 'update', etag);
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost STRATA_ERR_PRECONDITION_FAILED')).toHaveLength(N - 1);
    expect((await store.get('cas')).body.toString()).toBe(`proc-${results.indexOf('won')}`);
    expect((await store.list()).objects.map((o) => o.key)).toEqual(['cas']);
  }, 60_000);
});
