/**
 * The ObjectStore contract suite (CONVENTIONS 6): one set of tests every implementation must pass —
 * memory, fs, the fault wrapper and a real MinIO through s3.
 *
 *   runObjectStoreContract('fs', async () => ({ store: new FsStore({ dir }), cleanup }));
 *
 * makeStore is called once per test and must return an empty store (e.g. a fresh dir or key prefix).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isStrataError, type ErrorCode } from '../../src/errors.js';
import { listAll, type ObjectStore } from '../../src/store/types.js';

export interface ContractStore {
  store: ObjectStore;
  cleanup?: () => Promise<void>;
}

export type MakeStore = () => Promise<ContractStore | ObjectStore> | ContractStore | ObjectStore;

export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (isStrataError(err, code)) return;
    throw new Error(`expected ${code}, got ${(err as Error)?.name}: ${(err as { code?: string }).code ?? ''} ${(err as Error)?.message}`, { cause: err });
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

async function keysOf(store: ObjectStore, options: Parameters<typeof listAll>[1] = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listAll(store, options)) out.push(o.key);
  return out;
}

export function runObjectStoreContract(name: string, makeStore: MakeStore, opts: { racers?: number } = {}): void {
  const racers = opts.racers ?? 16;
  describe(`ObjectStore contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    const open = async (): Promise<ObjectStore> => {
      const made = await makeStore();
      const c: ContractStore = 'store' in made ? made : { store: made };
      cleanups.push(async () => {
        await c.store.close();
        await c.cleanup?.();
      });
      return c.store;
    };
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    it('puts and gets whole objects, with size and etag matching head', async () => {
      const s = await open();
      const put = await s.put('a/b/one.bin', b('hello world'));
      expect(put.etag).toMatch(/\S/);
      const got = await s.get('a/b/one.bin');
      expect(got.body.toString()).toBe('hello world');
      expect(got).toMatchObject({ key: 'a/b/one.bin', size: 11, etag: put.etag });
      expect(got.lastModified).toBeInstanceOf(Date);
      const head = await s.head('a/b/one.bin');
      expect(head).toMatchObject({ key: 'a/b/one.bin', size: 11, etag: put.etag });
      await s.put('u8', new Uint8Array([1, 2, 3]));
      expect([...(await s.get('u8')).body]).toEqual([1, 2, 3]);
    });

    it('reports missing keys', async () => {
      const s = await open();
      await expectCode(s.get('nope/missing'), 'STRATA_ERR_OBJECT_NOT_FOUND');
      expect(await s.head('nope/missing')).toBeUndefined();
    });

    it('get with `into`: the body is right whether or not the store reads into the offered buffer', async () => {
      const s = await open();
      const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));
      await s.put('into/x.bin', body);
      const into = Buffer.alloc(40_000, 0xee);
      const r = await s.get('into/x.bin', { range: { offset: 1000, length: 30_000 }, into });
      expect(r.body.equals(body.subarray(1000, 31_000))).toBe(true);
      const shared = r.body.buffer === into.buffer && r.body.byteOffset === into.byteOffset;
      // the fs store and the S3 store's GET path read into it (the tiered cache's recycled block buffers)
      if (name === 'fs' || name.startsWith('s3')) expect(shared).toBe(true);
      // a buffer too small is not used
      const small = Buffer.alloc(10);
      const r2 = await s.get('into/x.bin', { range: { offset: 0, length: 100 }, into: small });
      expect(r2.body.equals(body.subarray(0, 100))).toBe(true);
      expect(r2.body.buffer === small.buffer).toBe(false);
    });

    it('reads byte ranges, cut at the end, and rejects ranges starting past the end', async () => {
      const s = await open();
      const data = Buffer.alloc(1024 * 1024 + 17);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
      await s.put('big', data);
      const mid = await s.get('big', { range: { offset: 1000, length: 5000 } });
      expect(mid.body.equals(data.subarray(1000, 6000))).toBe(true);
      expect(mid.size).toBe(data.length);
      const tail = await s.get('big', { range: { offset: data.length - 10 } });
      expect(tail.body.equals(data.subarray(data.length - 10))).toBe(true);
      const cut = await s.get('big', { range: { offset: data.length - 3, length: 100 } });
      expect(cut.body.equals(data.subarray(data.length - 3))).toBe(true);
      const last = await s.get('big', { range: { offset: data.length - 1, length: 1 } });
      expect(last.body[0]).toBe(data[data.length - 1]);
      await expectCode(s.get('big', { range: { offset: data.length } }), 'STRATA_ERR_INVALID_RANGE');
      await expectCode(s.get('big', { range: { offset: data.length + 5, length: 2 } }), 'STRATA_ERR_INVALID_RANGE');
      await expectCode(s.get('missing', { range: { offset: 0, length: 1 } }), 'STRATA_ERR_OBJECT_NOT_FOUND');
    });

    it('stores empty objects', async () => {
      const s = await open();
      await s.put('empty', Buffer.alloc(0));
      expect((await s.get('empty')).body.length).toBe(0);
      expect((await s.head('empty'))?.size).toBe(0);
      expect((await s.get('empty', { range: { offset: 0 } })).body.length).toBe(0);
    });

    it('overwrites, and the etag changes with the content', async () => {
      const s = await open();
      const e1 = (await s.put('k', b('one'))).etag;
      const e2 = (await s.put('k', b('two!'))).etag;
      expect(e2).not.toBe(e1);
      const got = await s.get('k');
      expect(got.body.toString()).toBe('two!');
      expect(got.etag).toBe(e2);
      expect(got.size).toBe(4);
    });

    it('ifNoneMatch "*" creates only when absent', async () => {
      const s = await open();
      await s.put('c', b('first'), { ifNoneMatch: '*' });
      await expectCode(s.put('c', b('second'), { ifNoneMatch: '*' }), 'STRATA_ERR_PRECONDITION_FAILED');
      expect((await s.get('c')).body.toString()).toBe('first');
      await s.delete('c');
      await s.put('c', b('third'), { ifNoneMatch: '*' });
      expect((await s.get('c')).body.toString()).toBe('third');
    });

    it(`ifNoneMatch race: ${racers} concurrent creators, exactly one wins`, async () => {
      const s = await open();
      for (let round = 0; round < 3; round++) {
        const key = `race/create-${round}`;
        const results = await Promise.allSettled(Array.from({ length: racers }, (_, i) => s.put(key, b(`writer-${i}`), { ifNoneMatch: '*' })));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(isStrataError(r.reason, 'STRATA_ERR_PRECONDITION_FAILED'), String(r.reason)).toBe(true);
        const got = await s.get(key);
        expect(got.body.toString()).toBe(`writer-${winners[0]}`);
        expect(got.etag).toBe((results[winners[0]!] as PromiseFulfilledResult<{ etag: string }>).value.etag);
      }
    });

    it('ifMatch replaces only the expected version', async () => {
      const s = await open();
      await expectCode(s.put('m', b('x'), { ifMatch: 'no-such-etag' }), 'STRATA_ERR_PRECONDITION_FAILED');
      expect(await s.head('m')).toBeUndefined();
      const e1 = (await s.put('m', b('v1'))).etag;
      const e2 = (await s.put('m', b('v2'), { ifMatch: e1 })).etag;
      expect(e2).not.toBe(e1);
      await expectCode(s.put('m', b('v3'), { ifMatch: e1 }), 'STRATA_ERR_PRECONDITION_FAILED');
      expect((await s.get('m')).body.toString()).toBe('v2');
      expect((await s.get('m', { ifMatch: e2 })).body.toString()).toBe('v2');
      await expectCode(s.get('m', { ifMatch: e1 }), 'STRATA_ERR_PRECONDITION_FAILED');
    });

    it(`ifMatch race: ${racers} concurrent updaters of one version, exactly one wins`, async () => {
      const s = await open();
      let etag = (await s.put('cas', b('v0'))).etag;
      for (let round = 1; round <= 3; round++) {
        const results = await Promise.allSettled(Array.from({ length: racers }, (_, i) => s.put('cas', b(`v${round}-${i}`), { ifMatch: etag })));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(isStrataError(r.reason, 'STRATA_ERR_PRECONDITION_FAILED'), String(r.reason)).toBe(true);
        const got = await s.get('cas');
        expect(got.body.toString()).toBe(`v${round}-${winners[0]}`);
        etag = got.etag;
      }
    });

    it('deletes, and deleting a missing key is fine', async () => {
      const s = await open();
      await s.put('d/x', b('1'));
      await s.delete('d/x');
      expect(await s.head('d/x')).toBeUndefined();
      await expectCode(s.get('d/x'), 'STRATA_ERR_OBJECT_NOT_FOUND');
      await s.delete('d/x');
      await s.delete('never/was');
      expect(await keysOf(s)).toEqual([]);
    });

    it('lists in UTF-8 byte order, not UTF-16 order, with metadata', async () => {
      const s = await open();
      // U+FB00 (EF AC 80) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16 (0xFB00 > 0xD83D).
      const keys = ['B', 'a', 'a-b', 'a0', 'a/b', 'a/c/d', 'b/x y', 'b/%2F+', 'u/\u00e9', 'u/\ufb00', 'u/\u{1f600}', 'z~'];
      for (const k of keys) await s.put(k === 'a' ? 'ab' : k, b(k)); // 'a' itself would be a prefix-directory clash on fs/MinIO
      const expected = keys.map((k) => (k === 'a' ? 'ab' : k)).sort((x, y) => Buffer.compare(b(x), b(y)));
      expect([...expected].sort()).not.toEqual(expected); // the fixture really differs between the two orders
      const page = await s.list();
      expect(page.objects.map((o) => o.key)).toEqual(expected);
      expect(page.nextToken).toBeUndefined();
      const meta = page.objects.find((o) => o.key === 'b/x y')!;
      const head = await s.head('b/x y');
      expect(meta).toMatchObject({ size: 5, etag: head!.etag });
      expect(meta.lastModified).toBeInstanceOf(Date);
    });

    it('lists by prefix and startAfter', async () => {
      const s = await open();
      const keys = ['p/0001', 'p/0002', 'p/0003', 'p/sub/0004', 'p0', 'q/1', 'o/9'];
      for (const k of keys) await s.put(k, b(k));
      expect(await keysOf(s, { prefix: 'p/' })).toEqual(['p/0001', 'p/0002', 'p/0003', 'p/sub/0004']);
      expect(await keysOf(s, { prefix: 'p' })).toEqual(['p/0001', 'p/0002', 'p/0003', 'p/sub/0004', 'p0']);
      expect(await keysOf(s, { prefix: 'p/', startAfter: 'p/0002' })).toEqual(['p/0003', 'p/sub/0004']);
      expect(await keysOf(s, { prefix: 'p/', startAfter: 'a' })).toEqual(['p/0001', 'p/0002', 'p/0003', 'p/sub/0004']);
      expect(await keysOf(s, { startAfter: 'p/0003' })).toEqual(['p/sub/0004', 'p0', 'q/1']);
      expect(await keysOf(s, { startAfter: 'p/00025' })).toEqual(['p/0003', 'p/sub/0004', 'p0', 'q/1']);
      expect(await keysOf(s, { prefix: 'p/', startAfter: 'zzz' })).toEqual([]);
      expect(await keysOf(s, { prefix: 'nothing/' })).toEqual([]);
    });

    it('paginates with maxKeys and continuation tokens', async () => {
      const s = await open();
      const keys = Array.from({ length: 11 }, (_, i) => `pg/${String(i).padStart(3, '0')}`);
      for (const k of keys) await s.put(k, b(k));
      await s.put('pz', b('outside'));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.list({ prefix: 'pg/', maxKeys: 3, continuationToken: token });
        expect(page.objects.length).toBeLessThanOrEqual(3);
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextToken;
        pages++;
      } while (token && pages < 20);
      expect(seen).toEqual(keys);
      expect(pages).toBe(4);
      const first = await s.list({ prefix: 'pg/', maxKeys: 2, startAfter: 'pg/004' });
      expect(first.objects.map((o) => o.key)).toEqual(['pg/005', 'pg/006']);
      const second = await s.list({ prefix: 'pg/', maxKeys: 2, startAfter: 'pg/004', continuationToken: first.nextToken });
      expect(second.objects.map((o) => o.key)).toEqual(['pg/007', 'pg/008']);
      const exact = await s.list({ prefix: 'pg/', maxKeys: 11 });
      expect(exact.objects).toHaveLength(11);
      expect(exact.nextToken).toBeUndefined();
    });

    it('round-trips keys with spaces, plus signs, percent signs and non-ASCII', async () => {
      const s = await open();
      const keys = ['sp/a b', 'sp/a+b', 'sp/100%', 'sp/\u00fcber/\u65e5\u672c', 'sp/q?x=1&y', 'sp/#hash'];
      for (const k of keys) await s.put(k, b(`v:${k}`));
      for (const k of keys) expect((await s.get(k)).body.toString()).toBe(`v:${k}`);
      expect(await keysOf(s, { prefix: 'sp/' })).toEqual([...keys].sort((x, y) => Buffer.compare(b(x), b(y))));
    });

    it('fails fast on an aborted signal', async () => {
      const s = await open();
      await s.put('ab', b('x'));
      const ac = new AbortController();
      ac.abort();
      await expectCode(s.get('ab', { signal: ac.signal }), 'STRATA_ERR_ABORTED');
      await expectCode(s.put('ab2', b('x'), { signal: ac.signal }), 'STRATA_ERR_ABORTED');
      expect(await s.head('ab2')).toBeUndefined();
    });

    it('check() passes and kind/location are set', async () => {
      const s = await open();
      await s.check();
      expect(s.kind).toMatch(/\S/);
      expect(s.location).toMatch(/\S/);
      expect(s.location).not.toMatch(/secret|minioadmin@/i);
    });
  });
}
