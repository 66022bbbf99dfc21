import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../src/store/fs.js';
import { expectCode, runObjectStoreContract } from '../support/store-contract.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'strata-fs-'));
}

runObjectStoreContract('fs', async () => {
  const dir = await tempDir();
  return { store: new FsStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FsStore specifics', () => {
  it('rejects keys that could escape the directory or clash with its own files', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir });
    for (const bad of ['', '/abs', 'a//b', 'a/', '../x', 'a/../../x', 'a/./b', '.strata-tmp-x', 'a/.strata-lock-b', 'a\\b', 'x\0y', 'a'.repeat(256)]) {
      await expectCode(s.put(bad, Buffer.from('x')), 'STRATA_ERR_INVALID_REQUEST');
      await expectCode(s.get(bad), 'STRATA_ERR_INVALID_REQUEST');
    }
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no temp or lock files behind and never lists them', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir });
    await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.put('x/k', Buffer.from(String(i)), { ifNoneMatch: '*' })));
    await s.put('x/k', Buffer.from('v'));
    expect(await readdir(join(dir, 'x'))).toEqual(['k']);
    await writeFile(join(dir, 'x', '.strata-tmp-leftover'), 'crash debris');
    expect((await s.list()).objects.map((o) => o.key)).toEqual(['x/k']);
    await rm(dir, { recursive: true, force: true });
  });

  it('changes the etag on every write, even of the same bytes', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir });
    const a = await s.put('k', Buffer.from('same'));
    const c = await s.put('k', Buffer.from('same'));
    expect(c.etag).not.toBe(a.etag);
    expect((await s.head('k'))?.etag).toBe(c.etag);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an object that is also a prefix of other keys, like MinIO', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir });
    await s.put('a/b', Buffer.from('1'));
    await expectCode(s.put('a', Buffer.from('2')), 'STRATA_ERR_INVALID_REQUEST');
    await expectCode(s.put('a/b/c', Buffer.from('3')), 'STRATA_ERR_INVALID_REQUEST');
    await expectCode(s.get('a'), 'STRATA_ERR_OBJECT_NOT_FOUND');
    expect(await s.head('a')).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });

  it('removes empty directories on delete', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir });
    await s.put('deep/er/still/k', Buffer.from('1'));
    await s.put('deep/other', Buffer.from('2'));
    await s.delete('deep/er/still/k');
    expect(await readdir(join(dir, 'deep'))).toEqual(['other']);
    await rm(dir, { recursive: true, force: true });
  });

  it('takes over a stale lock left by a crashed writer', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir, lock: { staleMs: 200 } });
    await s.put('k', Buffer.from('1'));
    await writeFile(join(dir, '.strata-lock-k'), '99999 crashed');
    const t0 = Date.now();
    await s.put('k', Buffer.from('2'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect((await s.get('k')).body.toString()).toBe('2');
    await rm(dir, { recursive: true, force: true });
  });

  it('takes over at once a lock whose holder on this host was killed', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir, lock: { staleMs: 60_000 } });
    await s.put('k', Buffer.from('1'));
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const pid = child.pid!;
    await writeFile(join(dir, '.strata-lock-k'), `${pid} ${hostname()} ${new Date().toISOString()}\n`);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const t0 = Date.now();
    await s.put('k', Buffer.from('2'));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await s.get('k')).body.toString()).toBe('2');
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for a lock whose holder is alive', async () => {
    const dir = await tempDir();
    const s = new FsStore({ dir, lock: { staleMs: 60_000, timeoutMs: 300 } });
    await writeFile(join(dir, '.strata-lock-k'), `${process.ppid} ${hostname()} ${new Date().toISOString()}\n`);
    await expectCode(s.put('k', Buffer.from('2')), 'STRATA_ERR_STORE_IO');
    await rm(dir, { recursive: true, force: true });
  });

  it('check() fails clearly when the directory is not writable', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    await expectCode(new FsStore({ dir: join(dir, 'file', 'sub') }).check(), 'STRATA_ERR_STORE_IO');
    await rm(dir, { recursive: true, force: true });
  });
});
