import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../src/errors.js';
import { FaultStore, mulberry32 } from '../../src/store/fault.js';
import { MemoryStore } from '../../src/store/memory.js';
import { expectCode, runObjectStoreContract } from '../support/store-contract.js';

runObjectStoreContract('fault wrapper with zero faults', () => new FaultStore(new MemoryStore(), { seed: 7 }));

async function trace(seed: number): Promise<string[]> {
  const s = new FaultStore(new MemoryStore(), { seed, errorRate: 0.2, slowDownRate: 0.1, preconditionFailureRate: 0.3 });
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const ops = [
      () => s.put(`k${i % 7}`, Buffer.from(String(i))),
      () => s.put(`c${i}`, Buffer.from('x'), { ifNoneMatch: '*' }),
      () => s.get(`k${i % 7}`),
      () => s.list(),
    ];
    try {
      await ops[i % ops.length]!();
      out.push('ok');
    } catch (err) {
      out.push(isStrataError(err) ? err.code : 'other');
    }
  }
  expect(s.log.length).toBe(out.filter((x) => x !== 'ok' && x !== 'STRATA_ERR_OBJECT_NOT_FOUND').length);
  return out;
}

describe('FaultStore', () => {
  it('same seed → same fault sequence; another seed → another one', async () => {
    const a = await trace(42);
    const b = await trace(42);
    const c = await trace(43);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a).toContain('STRATA_ERR_STORE_UNAVAILABLE');
    expect(a).toContain('STRATA_ERR_STORE_SLOW_DOWN');
    expect(a).toContain('STRATA_ERR_PRECONDITION_FAILED');
    const faults = a.filter((x) => x !== 'ok').length / a.length;
    expect(faults).toBeGreaterThan(0.2);
    expect(faults).toBeLessThan(0.55);
  });

  it('mulberry32 is deterministic and roughly uniform', () => {
    const r1 = mulberry32(5);
    const r2 = mulberry32(5);
    const xs = Array.from({ length: 10_000 }, () => r1());
    expect(xs.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => r2()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('setOffline fails every call as unreachable without touching the inner store', async () => {
    const inner = new MemoryStore();
    const s = new FaultStore(inner);
    s.setOffline(true);
    await expectCode(s.put('k', Buffer.from('x')), 'STRATA_ERR_STORE_UNREACHABLE');
    await expectCode(s.get('k'), 'STRATA_ERR_STORE_UNREACHABLE');
    await expectCode(s.list(), 'STRATA_ERR_STORE_UNREACHABLE');
    await expectCode(s.check(), 'STRATA_ERR_STORE_UNREACHABLE');
    expect(inner.size).toBe(0);
    s.setOffline(false);
    await s.put('k', Buffer.from('x'));
    expect(s.stats.calls).toMatchObject({ put: 2, get: 1, list: 1 });
    expect(s.stats.faults).toMatchObject({ put: 1, get: 1, list: 1 });
  });

  it('failNext fails exactly the next calls of one op', async () => {
    const s = new FaultStore(new MemoryStore());
    s.failNext('put', 'STRATA_ERR_STORE_SLOW_DOWN', 2);
    await s.get('x').catch(() => {});
    await expectCode(s.put('k', Buffer.from('1')), 'STRATA_ERR_STORE_SLOW_DOWN');
    await expectCode(s.put('k', Buffer.from('1')), 'STRATA_ERR_STORE_SLOW_DOWN');
    await s.put('k', Buffer.from('1'));
    expect(s.log).toEqual(['put:STRATA_ERR_STORE_SLOW_DOWN', 'put:STRATA_ERR_STORE_SLOW_DOWN']);
  });

  it('adds latency per op', async () => {
    const s = new FaultStore(new MemoryStore(), { latencyMs: { get: 40 }, jitterMs: 10 });
    await s.put('k', Buffer.from('1'));
    const t0 = performance.now();
    await s.get('k');
    const dt = performance.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(39);
    expect(dt).toBeLessThan(200);
  });

  it('lost acks apply the write but report it failed', async () => {
    const inner = new MemoryStore();
    const s = new FaultStore(inner, { lostAckRate: 1 });
    await expectCode(s.put('k', Buffer.from('1')), 'STRATA_ERR_STORE_UNREACHABLE');
    expect((await inner.get('k')).body.toString()).toBe('1');
  });
});
