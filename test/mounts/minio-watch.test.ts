/**
 * The MinIO listener (minio-watch.ts) against a raw HTTP server on port 0 that speaks the
 * ListenBucketNotification wire format (a GET /<bucket>?events=…&prefix=… answered with text/event-stream
 * JSON lines), and against servers that do not: AWS-style XML, an S3 error, silence, a dropped stream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { minioWatch } from '../../src/broker/mounts/minio-watch.js';
import type { MountWatcher, WatchEvent, WatchState } from '../../src/broker/mounts/watch.js';

type Mode = 'stream' | 'xml' | 'denied' | 'silent';

interface Fake {
  endpoint: string;
  requests: URL[];
  streams: ServerResponse[];
  /** Sockets of listen requests the client has closed. */
  closedByClient: number;
  mode: Mode;
  send(eventName: string, key: string): void;
  close(): Promise<void>;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function fakeMinio(mode: Mode): Promise<Fake> {
  const fake: Fake = {
    endpoint: '',
    requests: [],
    streams: [],
    closedByClient: 0,
    mode,
    send(eventName, key) {
      const line = JSON.stringify({ Records: [{ eventVersion: '2.0', eventSource: 'minio:s3', eventName, s3: { bucket: { name: 'bkt' }, object: { key, size: 1 } } }] });
      for (const s of fake.streams) if (!s.writableEnded) s.write(line + '\n');
    },
    close: async () => {
      for (const s of fake.streams) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    fake.requests.push(url);
    req.socket.once('close', () => fake.closedByClient++);
    if (fake.mode === 'stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' });
      res.write(' '); // MinIO's keepalive
      fake.streams.push(res);
    } else if (fake.mode === 'xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name></ListBucketResult>');
    } else if (fake.mode === 'denied') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>');
    }
    // silent: never answers (a MinIO whose listen stream is never flushed)
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanup.push(() => fake.close());
  return fake;
}

function watch(fake: Fake, prefix = 'data/'): { states: Array<[WatchState, string | undefined]>; events: WatchEvent[]; w: MountWatcher; state: () => WatchState | undefined } {
  const states: Array<[WatchState, string | undefined]> = [];
  const events: WatchEvent[] = [];
  const start = minioWatch({ endpoint: fake.endpoint, region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's', connectTimeoutMs: 400, backoffMinMs: 20, backoffMaxMs: 100 }, 'bkt', prefix);
  const w = start({ onEvent: (e) => events.push(e), onState: (s, r) => states.push([s, r]) });
  cleanup.push(() => w.close());
  return { states, events, w, state: () => states[states.length - 1]?.[0] };
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('MinIO listen client', () => {
  it('asks for created and removed events under the prefix and delivers them', async () => {
    const fake = await fakeMinio('stream');
    const t = watch(fake);
    await until('active', () => t.state() === 'active');
    const q = fake.requests[0]!;
    expect(q.pathname).toBe('/bkt');
    expect(q.searchParams.get('prefix')).toBe('data/');
    expect(q.searchParams.getAll('events').sort()).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    fake.send('s3:ObjectCreated:Put', 'data/b');
    fake.send('s3:ObjectCreated:CompleteMultipartUpload', 'data/a');
    fake.send('s3:ObjectRemoved:Delete', 'data/b');
    fake.send('s3:ObjectAccessed:Get', 'data/a'); // not ours: ignored
    await until('3 events', () => t.events.length === 3);
    expect(t.events).toEqual([
      { kind: 'created', key: 'data/b' },
      { kind: 'created', key: 'data/a' },
      { kind: 'removed', key: 'data/b' },
    ]);
    expect(fake.requests).toHaveLength(1); // one stream per watcher, no duplicate deliveries
    t.w.close();
    await until('the long GET closed by close()', () => fake.closedByClient === 1, 2000);
  });

  it('a dropped stream reconnects with backoff and keeps delivering', async () => {
    const fake = await fakeMinio('stream');
    const t = watch(fake);
    await until('active', () => t.state() === 'active');
    fake.mode = 'silent'; // the "restarting" server accepts connections but does not answer yet…
    fake.streams.shift()!.destroy();
    await until('reconnecting', () => t.state() === 'reconnecting');
    await new Promise((r) => setTimeout(r, 600)); // …longer than connectTimeoutMs: still retrying, never "unsupported"
    expect(t.states.map((s) => s[0])).not.toContain('unsupported');
    fake.mode = 'stream';
    await until('active again', () => t.state() === 'active' && fake.streams.length === 1, 5000);
    fake.send('s3:ObjectCreated:Put', 'data/z');
    await until('event after reconnect', () => t.events.length === 1);
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['xml', /not an event stream/],
    ['denied', /refused the listen request.*Access Denied/],
    ['silent', /does not stream/],
  ] as const)('%s endpoint: unsupported once, no retries', async (mode, reason) => {
    const fake = await fakeMinio(mode);
    const t = watch(fake);
    await until('unsupported', () => t.state() === 'unsupported');
    expect(t.states[t.states.length - 1]![1]).toMatch(reason);
    const n = fake.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests.length).toBe(n);
    expect(t.states.filter((s) => s[0] === 'unsupported')).toHaveLength(1);
  });
});
