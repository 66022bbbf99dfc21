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
  /** Bytes of the entries flagged unreadPut. */
  private unread = 0;

  /** onEvict runs for every entry pushed out to make room (not for delete/replace); onRemove for every entry that leaves. */
  constructor(
    maxBytes: number,
    private readonly onEvict: (id: string, entry: MemoryEntry) => void,
    onRemove?: (entry: MemoryEntry) => void,
  ) {
    this.lru = new LRUCache<string, MemoryEntry>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (e) => Math.max(1, e.data.length),
      dispose: (entry, id, reason) => {
        if (reason === 'evict') {
          this.evictions++;
          onEvict(id, entry);
        }
        if (entry.unreadPut) this.unread -= entry.data.length;
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

  /**
   * Makes room for `size` more bytes by evicting (onEvict runs, as for any eviction) the least recently used
   * entries that are not unread puts, while unread puts hold at most `unreadLimit` bytes: a reader catching up
   * from older data then cycles its own blocks through memory instead of pushing out written data it has not
   * reached yet (which would go to SSD and be read back moments later). The entry `keep` (about to be replaced) stays.
   * Whatever room is still missing, set() makes the usual way (least recently used first, unread puts too).
   */
  makeRoom(size: number, unreadLimit: number, keep?: string): void {
    const max = this.lru.maxSize;
    if (this.lru.calculatedSize + size <= max) return;
    if (this.unread === 0 || this.unread > unreadLimit) return; // nothing to protect, or written data over its share: the LRU order decides
    const victims: string[] = [];
    let freed = 0;
    for (const id of this.lru.rkeys()) {
      if (this.lru.calculatedSize - freed + size <= max) break;
      const e = this.lru.peek(id)!;
      if (e.unreadPut || id === keep) continue;
      victims.push(id);
      freed += Math.max(1, e.data.length);
    }
    for (const id of victims) {
      const e = this.lru.peek(id)!;
      this.evictions++;
      this.onEvict(id, e);
      this.lru.delete(id); // lru-cache reports a delete: onRemove runs, onEvict ran above
    }
  }

  /** Returns false when the block is larger than the whole budget (not stored). */
  set(id: string, entry: MemoryEntry): boolean {
    if (entry.data.length > this.lru.maxSize) return false;
    const counted = entry.unreadPut === true && this.lru.peek(id) !== entry;
    this.lru.set(id, entry);
    if (!this.lru.has(id)) return false;
    if (counted) this.unread += entry.data.length;
    return true;
  }

  /** Clears the unreadPut flag of an entry get() or peek() just returned (a reader got to it). */
  markRead(entry: MemoryEntry): void {
    if (!entry.unreadPut) return;
    entry.unreadPut = false;
    this.unread -= entry.data.length;
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
