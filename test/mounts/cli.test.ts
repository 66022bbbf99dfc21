import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMountArgs, runMountCommand } from '../../src/broker/mounts/cli.js';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import { installErrorHandlers } from '../../src/protocol/http/errors.js';
import { registerMountRoutes } from '../../src/protocol/http/mounts.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';

const app = Fastify();
let url = '';
let mounts: MountRegistry;

beforeAll(async () => {
  const src = new MemoryStore('src');
  for (let i = 0; i < 30; i++) await src.put(`d/${i}.jsonl`, Buffer.from('a\nb\n'));
  mounts = new MountRegistry({ store: new MemoryStore('meta'), keys: new Keys(), openS3: async () => src, mount: { pollIntervalMs: 20 } });
  installErrorHandlers(app, pino({ level: 'silent' }));
  registerMountRoutes(app, mounts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await app.close();
  await mounts.close();
});

describe('strata mount', () => {
  it('parses arguments', () => {
    expect(parseMountArgs(['s3://b/p', '--topic', 'ns/t', '--format=csv', '--no-wait'], {})).toEqual({ source: 's3://b/p', ns: 'ns', topic: 't', format: 'csv', url: 'http://127.0.0.1:8080', wait: false });
    expect(parseMountArgs(['s3://b/p', '--topic', 't'], {})).toMatch(/namespace/);
    expect(parseMountArgs(['--topic', 'ns/t'], {})).toMatch(/source/);
    expect(parseMountArgs(['s3://b/p', '--topic', 'ns/t', '--format', 'xml'], {})).toMatch(/format/);
  });

  it('creates the mount, draws progress on stderr and prints the final status', async () => {
    let out = '';
    let err = '';
    const code = await runMountCommand(['s3://bucket/d/', '--topic', 'ns/lines', '--format', 'jsonl', '--url', url], { out: (t) => void (out += t), err: (t) => void (err += t) }, { pollMs: 10, isTty: true });
    expect(code).toBe(0);
    expect(err).toMatch(/\[#+\] 30\/30 objects, 60 records/);
    expect(JSON.parse(out)).toMatchObject({ topic: 'lines', highWatermark: 60, progress: { objectsIndexed: 30, objectsTotal: 30 } });
  });

  it('reports broker errors with their catalog code', async () => {
    let err = '';
    const code = await runMountCommand(['s3://bucket/d/', '--topic', 'ns/lines', '--url', url], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(1);
    expect(err).toMatch(/STRATA_ERR_MOUNT_EXISTS/);
  });
});
