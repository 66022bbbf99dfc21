import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { QuotaManager } from './quotas.js';
import type { NamespaceQuotas } from './types.js';

function setup(quotas: Record<string, NamespaceQuotas>, stored: Record<string, number> = {}) {
  let t = 1000;
  const registry = new Registry();
  const lines: Array<{ level: number; msg: string; quota?: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const storedCalls: string[] = [];
  const q = new QuotaManager({
    quotasOf: (ns) => quotas[ns],
    storedBytes: (ns) => {
      storedCalls.push(ns);
      return stored[ns] ?? 0;
    },
    registry,
    logger,
    now: () => t,
  });
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const m = (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
    return m?.value ?? 0;
  };
  return { q, quotas, stored, storedCalls, lines, metric, tick: (ms: number) => (t += ms) };
}

describe('QuotaManager: connections', () => {
  it('counts per namespace, refuses past maxConnections, releases once', async () => {
    const { q, metric } = setup({ a: { maxConnections: 2 } });
    const r1 = q.openConnection('a')!;
    const r2 = q.openConnection('a')!;
    expect(r1).toBeTypeOf('function');
    expect(r2).toBeTypeOf('function');
    expect(q.openConnection('a')).toBeUndefined();
    expect(await metric('strata_quota_rejections_total', { namespace: 'a', quota: 'maxConnections' })).toBe(1);
    // another namespace is not affected; a namespace without quotas is counted too
    expect(q.openConnection('b')).toBeTypeOf('function');
    expect(q.usage('b').connections).toBe(1);
    r1();
    r1(); // idempotent: a second release must not free another slot
    expect(q.usage('a').connections).toBe(1);
    const r3 = q.openConnection('a');
    expect(r3).toBeTypeOf('function');
    expect(q.openConnection('a')).toBeUndefined();
  });

  it('applies a lowered quota to new connections at once', () => {
    const { q, quotas } = setup({ a: {} });
    q.openConnection('a');
    q.openConnection('a');
    quotas.a = { maxConnections: 1 };
    expect(q.openConnection('a')).toBeUndefined();
    quotas.a = {};
    expect(q.openConnection('a')).toBeTypeOf('function');
  });
});

describe('QuotaManager: admitProduce (reject style)', () => {
  it('admits a burst of one second, then refuses with a retry hint, refills over time', async () => {
    const { q, tick, metric } = setup({ a: { messagesPerSecond: 10 } });
    for (let i = 0; i < 10; i++) expect(q.admitProduce('a', 1, 100)).toEqual({ ok: true });
    const r = q.admitProduce('a', 1, 100);
    expect(r).toEqual({ ok: false, reason: 'rate', quota: 'messagesPerSecond', retryAfterMs: 100 });
    expect(await metric('strata_quota_rejections_total', { namespace: 'a', quota: 'messagesPerSecond' })).toBe(1);
    tick(50);
    expect(q.admitProduce('a', 1, 100)).toMatchObject({ ok: false, retryAfterMs: 50 });
    tick(50);
    expect(q.admitProduce('a', 1, 100)).toEqual({ ok: true });
    expect(q.admitProduce('a', 1, 100).ok).toBe(false);
    // a long pause refills only up to the burst (one second's worth)
    tick(60_000);
    for (let i = 0; i < 10; i++) expect(q.admitProduce('a', 1, 1).ok).toBe(true);
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
  });

  it('charges nothing when refused', () => {
    const { q, tick } = setup({ a: { messagesPerSecond: 10, bytesPerSecond: 1000 } });
    expect(q.admitProduce('a', 5, 900).ok).toBe(true);
    // bytes refuse: the 5 messages of this request must not be taken from the message bucket
    expect(q.admitProduce('a', 5, 500)).toMatchObject({ ok: false, quota: 'bytesPerSecond', retryAfterMs: 400 });
    expect(q.admitProduce('a', 5, 100).ok).toBe(true);
    expect(q.admitProduce('a', 1, 0)).toMatchObject({ ok: false, quota: 'messagesPerSecond' });
    tick(1000);
    expect(q.admitProduce('a', 10, 1000).ok).toBe(true);
  });

  it('admits a request larger than the burst once the bucket is full, leaving a debt', () => {
    const { q, tick } = setup({ a: { bytesPerSecond: 1000 } });
    expect(q.admitProduce('a', 1, 5000).ok).toBe(true); // never starved
    const r = q.admitProduce('a', 1, 1);
    expect(r).toMatchObject({ ok: false, quota: 'bytesPerSecond' });
    expect(r.ok === false && r.reason === 'rate' && r.retryAfterMs).toBe(4001);
    tick(4000);
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
    tick(2);
    expect(q.admitProduce('a', 1, 1).ok).toBe(true);
  });

  it('takes a changed rate into account at once', () => {
    const { q, quotas } = setup({ a: { messagesPerSecond: 1000 } });
    expect(q.admitProduce('a', 1, 1).ok).toBe(true);
    quotas.a = { messagesPerSecond: 2 };
    expect(q.admitProduce('a', 1, 1).ok).toBe(true);
    expect(q.admitProduce('a', 1, 1).ok).toBe(true);
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
    quotas.a = {};
    expect(q.admitProduce('a', 1000, 1).ok).toBe(true);
    quotas.a = { messagesPerSecond: 0 };
    expect(q.admitProduce('a', 1, 1)).toMatchObject({ ok: false, retryAfterMs: 1000 });
  });

  it('namespaces without quotas are never refused and never read stored bytes', () => {
    const { q, storedCalls } = setup({ a: { messagesPerSecond: 1 }, b: {} }, { b: 1e12 });
    for (let i = 0; i < 1000; i++) {
      expect(q.admitProduce('b', 10, 1e6).ok).toBe(true);
      expect(q.admitProduce('unregistered', 10, 1e6).ok).toBe(true);
      expect(q.chargeProduce('unregistered', 10, 1e6)).toEqual({ throttleMs: 0 });
    }
    expect(storedCalls).toEqual([]);
  });

  it('refuses once the namespace holds maxStoredBytes, reading stored bytes at most once per second', async () => {
    const { q, stored, storedCalls, tick, metric } = setup({ a: { maxStoredBytes: 1000 } }, { a: 900 });
    expect(q.admitProduce('a', 1, 60).ok).toBe(true);
    // 900 stored + 60 admitted since the last read: 40 bytes left
    expect(q.admitProduce('a', 1, 60).ok).toBe(true);
    expect(q.admitProduce('a', 1, 1)).toEqual({ ok: false, reason: 'storage', quota: 'maxStoredBytes' });
    expect(storedCalls).toEqual(['a']);
    expect(await metric('strata_quota_rejections_total', { namespace: 'a', quota: 'maxStoredBytes' })).toBe(1);
    stored.a = 100; // retention deleted data
    tick(999);
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
    tick(1);
    expect(q.admitProduce('a', 1, 1).ok).toBe(true);
    expect(storedCalls).toEqual(['a', 'a']);
    expect(q.usage('a')).toEqual({ connections: 0, storedBytes: 101 });
  });

  it('keeps the last stored-bytes value when reading it fails', () => {
    let fail = false;
    const logger = pino({ level: 'silent' });
    let t = 0;
    const q = new QuotaManager({
      quotasOf: () => ({ maxStoredBytes: 100 }),
      storedBytes: () => {
        if (fail) throw new Error('boom');
        return 150;
      },
      logger,
      registry: new Registry(),
      now: () => t,
    });
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
    fail = true;
    t += 5000;
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
  });
});

describe('QuotaManager: chargeProduce (throttle style)', () => {
  it('always charges and answers how long to hold the response', async () => {
    const { q, tick, metric } = setup({ a: { messagesPerSecond: 100 } });
    expect(q.chargeProduce('a', 100, 10)).toEqual({ throttleMs: 0 });
    expect(q.chargeProduce('a', 50, 10)).toEqual({ throttleMs: 500 });
    expect(q.chargeProduce('a', 50, 10)).toEqual({ throttleMs: 1000 });
    expect(await metric('strata_quota_throttle_seconds_total', { namespace: 'a' })).toBeCloseTo(1.5);
    tick(1000);
    expect(q.chargeProduce('a', 0, 0)).toEqual({ throttleMs: 0 });
    // a reject-style caller sees the same bucket
    expect(q.admitProduce('a', 1, 1).ok).toBe(false);
  });

  it('bounds the throttle and the debt by maxThrottleMs (10 s)', () => {
    const { q, tick } = setup({ a: { bytesPerSecond: 100 } });
    expect(q.chargeProduce('a', 1, 100_000)).toEqual({ throttleMs: 10_000 });
    expect(q.chargeProduce('a', 1, 100_000)).toEqual({ throttleMs: 10_000 });
    tick(10_000);
    expect(q.chargeProduce('a', 1, 0)).toEqual({ throttleMs: 0 });
  });

  it('refuses over maxStoredBytes', () => {
    const { q } = setup({ a: { maxStoredBytes: 10, messagesPerSecond: 1 } }, { a: 10 });
    expect(q.chargeProduce('a', 1, 1)).toEqual({ ok: false, reason: 'storage', quota: 'maxStoredBytes' });
  });

  it('warns once per namespace per minute, not per event', () => {
    const { q, tick, lines } = setup({ a: { messagesPerSecond: 1 }, b: { messagesPerSecond: 1 } });
    for (let i = 0; i < 100; i++) q.admitProduce('a', 1, 1);
    q.chargeProduce('a', 10, 1);
    const warns = (): number => lines.filter((l) => l.level === 40 && /quota reached/.test(l.msg)).length;
    expect(warns()).toBe(1);
    for (let i = 0; i < 5; i++) q.admitProduce('b', 1, 1);
    expect(warns()).toBe(2);
    tick(60_000);
    q.admitProduce('a', 1, 1); // the refilled bucket admits this one
    expect(warns()).toBe(2);
    q.admitProduce('a', 1, 1);
    expect(warns()).toBe(3);
  });
});
