import { afterEach, describe, expect, it } from 'vitest';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import { isStrataError } from '../../src/errors.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { ObjectStore } from '../../src/store/types.js';

const open: MountRegistry[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function registry(meta: ObjectStore, source: ObjectStore): MountRegistry {
  const r = new MountRegistry({ store: meta, keys: new Keys('root'), openS3: async () => source, mount: { pollIntervalMs: 3_600_000, fullListEvery: 2 } });
  open.push(r);
  return r;
}

async function readAll(r: MountRegistry, topic: string): Promise<string[]> {
  const m = r.require('ns', topic);
  const out: string[] = [];
  for (let o = 0; o < m.highWatermark; o++) out.push((await m.readOne(o)).value.toString());
  return out;
}

describe('mounts over an in-memory source', () => {
  it('raw: one record per object in key order, new keys appended, late earlier keys appended too', async () => {
    const src = new MemoryStore('src');
    for (const k of ['p/b', 'p/a', 'p/c', 'other/x']) await src.put(k, Buffer.from(`v-${k}`));
    const r = registry(new MemoryStore('meta'), src);
    const status = await r.create({ namespace: 'ns', topic: 'files', source: 's3://bucket/p/', format: 'raw' });
    expect(status.format).toBe('raw');
    const m = r.require('ns', 'files');
    await m.refresh();
    expect(await readAll(r, 'files')).toEqual(['v-p/a', 'v-p/b', 'v-p/c']);
    expect((await m.readOne(0)).key?.toString()).toBe('p/a');
    await src.put('p/d', Buffer.from('v-p/d'));
    await src.put('p/0', Buffer.from('v-p/0')); // sorts before the last key: found by the full LIST
    await m.refresh({ full: false }); // incremental (startAfter p/c): finds p/d
    expect(await readAll(r, 'files')).toEqual(['v-p/a', 'v-p/b', 'v-p/c', 'v-p/d']);
    await m.refresh({ full: true }); // full list: appends p/0
    expect(await readAll(r, 'files')).toEqual(['v-p/a', 'v-p/b', 'v-p/c', 'v-p/d', 'v-p/0']);
    expect(m.status().progress).toMatchObject({ objectsIndexed: 5, objectsTotal: 5, listing: false });
  });

  it('jsonl and csv: records inside objects, offsets identical after a restart', async () => {
    const src = new MemoryStore('src');
    const meta = new MemoryStore('meta');
    await src.put('j/1.jsonl', Buffer.from('{"i":0}\n{"i":1}\n'));
    await src.put('j/2.jsonl', Buffer.from('{"i":2}\n'));
    await src.put('c/1.csv', Buffer.from('a,b\n1,2\n3,"x,y"\n'));
    const r1 = registry(meta, src);
    await r1.create({ namespace: 'ns', topic: 'lines', source: 's3://bucket/j/', format: 'jsonl' });
    await r1.create({ namespace: 'ns', topic: 'rows', source: 's3://bucket/c/', format: 'csv' });
    await r1.require('ns', 'lines').refresh();
    await r1.require('ns', 'rows').refresh();
    expect(await readAll(r1, 'lines')).toEqual(['{"i":0}', '{"i":1}', '{"i":2}']);
    expect(await readAll(r1, 'rows')).toEqual(['1,2', '3,"x,y"']);
    expect(r1.require('ns', 'rows').status().csvHeader).toBe('a,b');
    await r1.close();
    open.length = 0;

    const r2 = registry(meta, src);
    await r2.start();
    expect(r2.list('ns').map((s) => s.topic).sort()).toEqual(['lines', 'rows']);
    // before any poll: persisted objects, counts and indexes give the same offsets
    expect(r2.require('ns', 'lines').highWatermark).toBe(3);
    expect(await readAll(r2, 'lines')).toEqual(['{"i":0}', '{"i":1}', '{"i":2}']);
  });

  it('a changed or deleted source object gives STRATA_ERR_MOUNT_SOURCE_CHANGED, never other bytes', async () => {
    const src = new MemoryStore('src');
    await src.put('a', Buffer.from('one\ntwo\n'));
    await src.put('b', Buffer.from('three'));
    const r = registry(new MemoryStore('meta'), src);
    await r.create({ namespace: 'ns', topic: 't', source: 's3://bucket', format: 'jsonl' });
    const m = r.require('ns', 't');
    await m.refresh();
    await src.put('a', Buffer.from('ONE\nTWO\n'));
    await src.delete('b');
    for (const offset of [0, 1, 2]) {
      const err = await m.readOne(offset).catch((e: unknown) => e);
      expect(isStrataError(err, 'STRATA_ERR_MOUNT_SOURCE_CHANGED'), String(err)).toBe(true);
      expect((err as { details: { offset: number } }).details.offset).toBe(offset);
    }
  });

  it('validates input and refuses duplicates; delete removes the metadata', async () => {
    const meta = new MemoryStore('meta');
    const r = registry(meta, new MemoryStore('src'));
    await expect(r.create({ namespace: 'ns', topic: 't', source: 'http://x', format: 'raw' })).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_REQUEST' });
    await expect(r.create({ namespace: 'ns', topic: 't', source: 's3://bucket', format: 'xml' })).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_REQUEST' });
    await expect(r.create({ namespace: 'ns', topic: 'a/b', source: 's3://bucket' })).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_NAME' });
    await r.create({ namespace: 'ns', topic: 't', source: 's3://bucket' });
    await expect(r.create({ namespace: 'ns', topic: 't', source: 's3://bucket' })).rejects.toMatchObject({ code: 'STRATA_ERR_MOUNT_EXISTS' });
    await r.delete('ns', 't');
    expect(meta.size).toBe(0);
    await expect(r.delete('ns', 't')).rejects.toMatchObject({ code: 'STRATA_ERR_MOUNT_NOT_FOUND' });
  });

  it('two nodes on one metadata store agree on offsets (a stale node reloads instead of diverging)', async () => {
    const src = new MemoryStore('src');
    const meta = new MemoryStore('meta');
    for (const k of ['a', 'b', 'c']) await src.put(k, Buffer.from(k));
    const r1 = registry(meta, src);
    await r1.create({ namespace: 'ns', topic: 't', source: 's3://bucket' });
    await r1.require('ns', 't').refresh();
    const r2 = registry(meta, src);
    await r2.start();
    await src.put('x', Buffer.from('x'));
    await r1.require('ns', 't').refresh({ full: true }); // node 1 appends x at offset 3
    await src.put('y', Buffer.from('y'));
    await r2.require('ns', 't').refresh({ full: true }); // node 2 would append [x, y] at 3: conflict → reload
    await r2.require('ns', 't').refresh({ full: true }); // then appends y at 4
    await r1.require('ns', 't').refresh({ full: true }); // node 1 sees the conflict too, reloads
    await r1.require('ns', 't').refresh({ full: true });
    expect(await readAll(r1, 't')).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(await readAll(r2, 't')).toEqual(['a', 'b', 'c', 'x', 'y']);
  });

  it('file:// mounts only inside mountAllowedDirs', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'strata-mount-'));
    mkdirSync(join(root, 'ok', 'sub'), { recursive: true });
    writeFileSync(join(root, 'ok', 'sub', 'f.txt'), 'hello');
    const none = new MountRegistry({ store: new MemoryStore('m1'), keys: new Keys(), allowedDirs: [] });
    const some = new MountRegistry({ store: new MemoryStore('m2'), keys: new Keys(), allowedDirs: [join(root, 'ok')], mount: { pollIntervalMs: 3_600_000 } });
    open.push(none, some);
    await expect(none.create({ namespace: 'ns', topic: 'f', source: `file://${root}/ok` })).rejects.toThrow(/disabled/);
    await expect(some.create({ namespace: 'ns', topic: 'f', source: `file://${root}` })).rejects.toThrow(/not inside/);
    await expect(some.create({ namespace: 'ns', topic: 'f', source: `file://${root}/ok/../` })).rejects.toThrow(/not inside/);
    await some.create({ namespace: 'ns', topic: 'f', source: `file://${root}/ok` });
    await some.require('ns', 'f').refresh();
    const r = await some.require('ns', 'f').readOne(0);
    expect([r.key?.toString(), r.value.toString()]).toEqual(['sub/f.txt', 'hello']);
  });
});
