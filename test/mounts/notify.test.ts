/**
 * Notification-driven mounts over an in-memory source with a scripted watcher: a notification only starts
 * the ordinary poll early, so offsets are exactly those LIST polling assigns (compared with a polling-only
 * mount over the same source), events arriving out of key order included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { MountRegistry } from '../../src/broker/mounts/registry.js';
import type { StartWatch, WatchHandlers } from '../../src/broker/mounts/watch.js';
import { unsupportedWatch } from '../../src/broker/mounts/watch.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { ObjectStore } from '../../src/store/types.js';

const open: MountRegistry[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** A watcher the test drives: handlers of the last started watch, and whether it was closed. */
function scripted(): { start: StartWatch; h: () => WatchHandlers; closed: () => boolean } {
  let handlers: WatchHandlers | undefined;
  let closed = false;
  return {
    start: (h) => {
      handlers = h;
      return { close: () => void (closed = true) };
    },
    h: () => handlers!,
    closed: () => closed,
  };
}

function registry(meta: ObjectStore, source: ObjectStore, watch?: StartWatch, metrics?: Registry, notifications: 'auto' | 'off' = 'auto'): MountRegistry {
  const r = new MountRegistry({
    store: meta,
    keys: new Keys('root'),
    openS3: async () => source,
    watchFor: () => watch,
    mount: { pollIntervalMs: 3_600_000, fullListEvery: 1_000_000, notifyDebounceMs: 5, notifications, metrics },
  });
  open.push(r);
  return r;
}

async function values(r: MountRegistry, topic: string): Promise<string[]> {
  const m = r.require('ns', topic);
  const out: string[] = [];
  for (let o = 0; o < m.highWatermark; o++) out.push((await m.readOne(o)).value.toString());
  return out;
}

/** Lets the mount's own first (timer) poll run, then polls once more: nothing but notifications polls after. */
async function settle(r: MountRegistry): Promise<void> {
  await new Promise((res) => setTimeout(res, 30));
  await r.require('ns', 't').refresh();
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('mount notifications (scripted watcher)', () => {
  it('a notification indexes new objects without a poll, in the offsets polling assigns', async () => {
    const src = new MemoryStore('src');
    for (const k of ['p/b', 'p/d']) await src.put(k, Buffer.from(k));
    const w = scripted();
    const metrics = new Registry();
    const r = registry(new MemoryStore('meta'), src, w.start, metrics);
    const polled = registry(new MemoryStore('meta2'), src); // the reference: polling only
    await r.create({ namespace: 'ns', topic: 't', source: 's3://bucket/p/', format: 'raw' });
    await polled.create({ namespace: 'ns', topic: 't', source: 's3://bucket/p/', format: 'raw' });
    const m = r.require('ns', 't');
    const ref = polled.require('ns', 't');
    await settle(r);
    await settle(polled);
    w.h().onState('active');
    expect(m.status().notifications).toMatchObject({ mode: 'auto', state: 'active', events: 0 });

    // three new keys after the last one, notified out of key order (f, e, g): one early poll lists e, f, g
    for (const k of ['p/f', 'p/e', 'p/g']) await src.put(k, Buffer.from(k));
    for (const k of ['p/f', 'p/e', 'p/g']) w.h().onEvent({ kind: 'created', key: k });
    await until('3 new records', () => m.highWatermark === 5);
    expect(await values(r, 't')).toEqual(['p/b', 'p/d', 'p/e', 'p/f', 'p/g']);

    // a key sorting before the last one (incremental LIST cannot see it): the early poll is a full LIST
    await src.put('p/a', Buffer.from('p/a'));
    await src.put('p/c', Buffer.from('p/c'));
    w.h().onEvent({ kind: 'created', key: 'p/c' });
    w.h().onEvent({ kind: 'created', key: 'p/a' });
    await until('late keys', () => m.highWatermark === 7);
    // an overwrite of a known key and a removal move no offset
    await src.put('p/b', Buffer.from('p/b v2'));
    w.h().onEvent({ kind: 'created', key: 'p/b' });
    w.h().onEvent({ kind: 'removed', key: 'p/g' });
    await new Promise((res) => setTimeout(res, 50));
    expect(m.highWatermark).toBe(7);

    // polling the same source at the same moments assigns the same offsets
    await ref.refresh({ full: false });
    await ref.refresh({ full: true });
    const keysOf = async (reg: MountRegistry): Promise<string[]> => {
      const mm = reg.require('ns', 't');
      return Promise.all(Array.from({ length: mm.highWatermark }, async (_, o) => (await mm.locate(o)).key));
    };
    expect(await keysOf(r)).toEqual(['p/b', 'p/d', 'p/e', 'p/f', 'p/g', 'p/a', 'p/c']);
    expect(await keysOf(r)).toEqual(await keysOf(polled));

    const st = m.status().notifications!;
    expect(st).toMatchObject({ state: 'active', events: 7, reconnects: 0 });
    expect(st.earlyPolls).toBeGreaterThanOrEqual(2);
    const text = await metrics.metrics();
    expect(text).toMatch(/strata_mount_notifications_total\{event="created"\} 6/);
    expect(text).toMatch(/strata_mount_notifications_total\{event="removed"\} 1/);
  });

  it('a reconnect runs one full LIST (objects created while no stream listened) and is counted', async () => {
    const src = new MemoryStore('src');
    await src.put('k/5', Buffer.from('5'));
    const w = scripted();
    const r = registry(new MemoryStore('meta'), src, w.start);
    await r.create({ namespace: 'ns', topic: 't', source: 's3://bucket/k/', format: 'raw' });
    const m = r.require('ns', 't');
    await settle(r);
    w.h().onState('active');
    await new Promise((res) => setTimeout(res, 30)); // its resync poll
    w.h().onState('reconnecting', 'the notification stream closed');
    expect(m.status().notifications).toMatchObject({ state: 'reconnecting', reason: 'the notification stream closed' });
    await src.put('k/1', Buffer.from('1')); // sorts first, and no event for it
    await src.put('k/9', Buffer.from('9'));
    w.h().onState('active');
    await until('gap closed', () => m.highWatermark === 3);
    expect(await values(r, 't')).toEqual(['5', '1', '9']);
    expect(m.status().notifications).toMatchObject({ state: 'active', reconnects: 1 });
    await r.delete('ns', 't');
    expect(w.closed()).toBe(true);
  });

  it('unsupported and off: polling only, reported in the status', async () => {
    const src = new MemoryStore('src');
    await src.put('a', Buffer.from('a'));
    const r1 = registry(new MemoryStore('m1'), src, unsupportedWatch('AWS S3 has no listen API'));
    await r1.create({ namespace: 'ns', topic: 't', source: 's3://bucket', format: 'raw' });
    await until('unsupported', () => r1.require('ns', 't').status().notifications?.state === 'unsupported');
    expect(r1.require('ns', 't').status().notifications).toMatchObject({ mode: 'auto', reason: 'AWS S3 has no listen API' });
    const w = scripted();
    const r2 = registry(new MemoryStore('m2'), src, w.start, undefined, 'off');
    await r2.create({ namespace: 'ns', topic: 't', source: 's3://bucket', format: 'raw' });
    expect(w.h()).toBeUndefined(); // the watcher is not started at all
    expect(r2.require('ns', 't').status().notifications).toMatchObject({ mode: 'off', state: 'off' });
    for (const reg of [r1, r2]) {
      await src.put('b', Buffer.from('b'));
      await reg.require('ns', 't').refresh();
      expect(await values(reg, 't')).toEqual(['a', 'b']);
    }
  });
});
