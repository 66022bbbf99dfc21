import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createObjectStore } from '../../src/store/index.js';
import { expectCode } from '../support/store-contract.js';
import { testS3 } from '../support/s3.js';

describe('createObjectStore', () => {
  it('builds an fs store and meters it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-idx-'));
    const registry = new Registry();
    const store = await createObjectStore({ type: 'fs', dir }, undefined, { metrics: registry });
    expect(store.kind).toBe('fs');
    await store.check();
    await store.put('a', Buffer.alloc(1000));
    await store.get('a');
    await store.get('missing').catch(() => {});
    const text = await registry.metrics();
    expect(text).toMatch(/strata_store_requests_total\{op="put",outcome="ok"\} 1/);
    expect(text).toMatch(/strata_store_requests_total\{op="get",outcome="not_found"\} 1/);
    expect(text).toMatch(/strata_store_bytes_total\{op="get"\} 1000/);
    expect(text).toMatch(/strata_store_request_seconds_count\{op="get"\} 2/);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds an s3 store on the test MinIO, with a fault wrapper', async () => {
    const s3 = await testS3();
    const store = await createObjectStore({ type: 's3', ...s3, prefix: 'idx', fault: { seed: 3 } }, undefined, { metrics: false });
    expect(store.kind).toBe('fault(s3)');
    await store.check();
    await store.put('k', Buffer.from('v'));
    expect((await store.get('k')).body.toString()).toBe('v');
    await store.close();
  });

  it('rejects bad configs with STRATA_ERR_CONFIG_INVALID', async () => {
    await expectCode(createObjectStore({ type: 'fs', dir: '' }), 'STRATA_ERR_CONFIG_INVALID');
    await expectCode(createObjectStore({ type: 's3', bucket: '' }), 'STRATA_ERR_CONFIG_INVALID');
    await expectCode(createObjectStore({ type: 'nope' } as never), 'STRATA_ERR_CONFIG_INVALID');
  });
});
