import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { runObjectStoreContract } from '../support/store-contract.js';

runObjectStoreContract('memory', () => new MemoryStore());

describe('MemoryStore', () => {
  it('copies buffers in and out', async () => {
    const s = new MemoryStore();
    const body = Buffer.from('abc');
    await s.put('k', body);
    body[0] = 0x7a;
    const got = await s.get('k');
    got.body[1] = 0x7a;
    expect((await s.get('k')).body.toString()).toBe('abc');
    expect(s.size).toBe(1);
  });

  it('changes the etag even when the same bytes are written again', async () => {
    const s = new MemoryStore();
    const a = await s.put('k', Buffer.from('same'));
    const c = await s.put('k', Buffer.from('same'));
    expect(c.etag).not.toBe(a.etag);
  });
});
