/** test/support/minio.ts: a private MinIO that fault tests can stop, restart and kill. */
import { describe, expect, it } from 'vitest';
import { S3Store } from '../../src/store/s3.js';
import { startMinio } from '../support/minio.js';
import { ensureBucket } from '../support/s3.js';
import { expectCode } from '../support/store-contract.js';

describe('startMinio', () => {
  it('stops, restarts on the same port with the same data, and survives a kill', async () => {
    const m = await startMinio();
    try {
      const cfg = { endpoint: m.endpoint, region: 'us-east-1', bucket: 'private', accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey, forcePathStyle: true as const };
      await ensureBucket(cfg, 'private');
      const store = new S3Store({ ...cfg, maxAttempts: 2, retry: { baseDelayMs: 5, maxDelayMs: 10 } });
      await store.put('k', Buffer.from('before'));

      await m.stop();
      expect(m.running).toBe(false);
      await expectCode(store.get('k'), 'STRATA_ERR_STORE_UNREACHABLE');

      const port = m.port;
      await m.start();
      expect(m.port).toBe(port);
      expect((await store.get('k')).body.toString()).toBe('before');

      await store.put('k', Buffer.from('after'));
      await m.kill();
      await m.start();
      expect((await store.get('k')).body.toString()).toBe('after');
      await store.close();
    } finally {
      await m.dispose();
    }
  }, 90_000);
});
