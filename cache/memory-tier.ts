/** Memory tier: a byte-bounded LRU of blocks (lru-cache with maxSize + sizeCalculation). */
import { LRUCache } from 'lru-cache';
import type { PooledBlock } from './block-pool.js';

export interface MemoryEntry {
  data: Buffer;
  /** Set when the prefetcher brought the block in; `read` turns true on its first read. */
  prefetch?: { stream: string; read: boolean };
  /** Set when `data` lives in a recyclable buffer (block-pool.ts). */
  pooled?: PooledBlock;
  /** A block given to put() that no reader has read yet (written to SSD if evicted so). */
  unreadPut?: boolean;
}

export class MemoryTier {
  private readonly lru: LRUCache<string, MemoryEntry>;
  evictions = 0;

  /** onEvict runs for every entry pushed out to make room (not for delete/replace); onRemove for every entry that leaves. */
  constructor(maxBytes: number, onEvict: (id: string, entry: MemoryEntry) => void, onRemove?: (entry: MemoryEntry) => void) {
    this.lru = new LRUCache<string, MemoryEntry>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (e) => Math.max(1, e.data.length),
      dispose: (entry, id, reason) => {
        if (reason === 'evict') {
          this.evictions++;
          onEvict(id, entry);
        }
        onRemove?.(entry);
      },
    });
  }

  get(id: string): MemoryEntry | undefined {
    return this.lru.get(id);
  }

  /** The entry without counting it as a use (its place in the LRU order stays). */
  peek(id: string): MemoryEntry | undefined {
    return this.lru.peek(id);
  }

  has(id: string): boolean {
    return this.lru.has(id);
  }

  /** Returns false when the block is larger than the whole budget (not stored). */
  set(id: string, entry: MemoryEntry): boolean {
    if (entry.data.length > this.lru.maxSize) return false;
    this.lru.set(id, entry);
    return this.lru.has(id);
  }

  delete(id: string): void {
    this.lru.delete(id);
  }

  /** Ids starting with prefix (used by invalidate). */
  idsWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const id of this.lru.keys()) if (id.startsWith(prefix)) out.push(id);
    return out;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get blocks(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}
