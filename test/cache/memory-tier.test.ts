import { describe, expect, it } from 'vitest';
import { MemoryTier, type MemoryEntry } from '../../cache/memory-tier.js';

const entry = (bytes: number, unreadPut = false): MemoryEntry => ({ data: Buffer.alloc(bytes), unreadPut });

describe('MemoryTier.makeRoom', () => {
  it('evicts the least recently used read blocks and keeps unread written blocks within their share', () => {
    const evicted: string[] = [];
    const tier = new MemoryTier(400, (id) => evicted.push(id));
    tier.set('w1', entry(100, true));
    tier.set('r1', entry(100));
    tier.set('w2', entry(100, true));
    tier.set('r2', entry(100));
    tier.makeRoom(150, 200); // two read blocks go, oldest first; w1 (older) stays
    expect(evicted).toEqual(['r1', 'r2']);
    expect(tier.has('w1') && tier.has('w2')).toBe(true);
    tier.set('r3', entry(100));
    // a read block is no longer protected: w1, now read, is the oldest and goes first
    tier.markRead(tier.peek('w1')!);
    tier.set('r4', entry(50));
    tier.makeRoom(100, 200, 'r4');
    expect(evicted).toEqual(['r1', 'r2', 'w1']);
  });
  it('does nothing once unread blocks exceed their share, or when none are left; counts replaced and evicted entries out', () => {
    const evicted: string[] = [];
    const tier = new MemoryTier(300, (id) => evicted.push(id));
    tier.set('w1', entry(100, true));
    tier.set('w2', entry(100, true));
    tier.set('r1', entry(100));
    tier.makeRoom(100, 150); // 200 unread > 150: the plain LRU order will decide
    expect(evicted).toEqual([]);
    tier.set('w1', entry(100)); // replaced by a read copy: 100 unread left
    tier.makeRoom(100, 150);
    expect(evicted).toEqual(['r1']);
    tier.set('r2', entry(100));
    tier.set('r3', entry(100)); // the LRU evicts w2 (unread) on its own: nothing unread is left to protect
    expect(evicted).toEqual(['r1', 'w2']);
    tier.makeRoom(100, 150);
    expect(evicted).toEqual(['r1', 'w2']);
  });
});
