/**
 * The prefetcher: one state per reader stream. It decides WHICH blocks to read ahead; the cache decides
 * whether the prefetch budget allows it and does the fetching.
 *
 * - Hints (exact upcoming ranges, e.g. a training iterator's order) take precedence: the stream's position in
 *   the hint list advances as the reader reads hinted blocks, and every hinted block ahead of it is fetched as
 *   far as the prefetch byte budget allows (hints are exact: there is no guess to keep small) — until one of the
 *   stream's prefetched blocks is evicted unread; from then on only the next `window` hinted blocks are.
 * - Otherwise the access pattern decides: a read starting right after the previous one (delta 1) is
 *   sequential; the same delta > 1 twice in a row is strided. Anything else resets the window.
 * - The window (in blocks) starts at `initialWindow`; +1 when a prefetched block is used, ×2 when the reader
 *   asked for a block still in flight (late: the window is too short for the latency), ÷2 when a prefetched
 *   block was evicted unread (wasted), capped at `maxWindow` and by the cache's prefetch byte budget.
 */
import { blockCount, blockRef, type BlockRef } from './block.js';
import type { HintRange, ObjectRef } from './types.js';

export type Outcome = 'used' | 'late' | 'wasted';

/** Streams with state at most; beyond it the oldest stream's state is dropped (it starts over if it reads again). */
const MAX_STREAMS = 4096;

interface StreamState {
  key?: string;
  etag?: string;
  lastBlock: number;
  delta: number;
  stride: number;
  window: number;
  hints: BlockRef[];
  /** The reader is past hints[0, hintPos). */
  hintPos: number;
  /** hints[0, issuedPos) were handed to the cache (fetched, in flight or cached). */
  issuedPos: number;
  /** A block prefetched for this stream was evicted unread: hints are then issued within the window only. */
  wasted: boolean;
}

/** Issues a prefetch; returns false when the budget is exhausted (stop issuing for now). */
export type IssueFn = (stream: string, block: BlockRef) => boolean;

export class Prefetcher {
  private readonly streams = new Map<string, StreamState>();

  constructor(
    private readonly blockSize: number,
    private readonly initialWindow: number,
    private readonly maxWindow: number,
    private readonly issue: IssueFn,
  ) {}

  onRead(stream: string, obj: ObjectRef, blocks: BlockRef[]): void {
    if (blocks.length === 0) return;
    const s = this.state(stream);
    const first = blocks[0]!.index;
    const last = blocks[blocks.length - 1]!.index;
    if (s.hintPos < s.hints.length) {
      this.advanceHints(s, blocks);
      this.issueHints(stream, s);
      // Remember the position, so pattern detection continues (with the learned window) when the hints run out.
      s.key = obj.key;
      s.etag = obj.etag;
      s.lastBlock = last;
      return;
    }
    if (s.key === obj.key && s.etag === obj.etag) {
      const delta = first - s.lastBlock;
      if (delta === 0) {
        if (last <= s.lastBlock) return; // still inside the block read last time
      } else if (delta === 1) {
        s.stride = 1;
      } else if (delta > 1 && delta === s.delta) {
        s.stride = delta;
      } else {
        this.reset(s);
      }
      s.delta = delta === 0 ? s.delta : delta;
    } else if (!(first === 0 && s.stride === 1)) {
      this.reset(s); // a new object read from its start keeps a sequential stream sequential
    }
    s.key = obj.key;
    s.etag = obj.etag;
    s.lastBlock = last;
    if (s.stride === 0) return;
    const count = blockCount(obj, this.blockSize);
    for (let k = 1; k <= s.window; k++) {
      const index = last + s.stride * k;
      if (index >= count) break;
      if (!this.issue(stream, blockRef(obj, index, this.blockSize))) break;
    }
  }

  hint(stream: string, ranges: HintRange[]): void {
    const s = this.state(stream);
    if (s.hintPos > 0) this.trimHints(s);
    // a block already waiting in the hint list is not hinted twice (many small records share a block)
    const pending = new Set<string>();
    for (const b of s.hints) pending.add(b.id);
    const seen = new Map<ObjectRef, Set<number>>(); // block numbers met in this call, per ObjectRef: no id string
    for (const r of ranges) {
      const length = Math.min(r.length, r.obj.size - r.offset);
      if (length <= 0) continue;
      let m = seen.get(r.obj);
      if (!m) seen.set(r.obj, (m = new Set()));
      const last = Math.floor((r.offset + length - 1) / this.blockSize);
      for (let i = Math.floor(r.offset / this.blockSize); i <= last; i++) {
        if (m.has(i)) continue;
        m.add(i);
        const b = blockRef(r.obj, i, this.blockSize);
        if (pending.has(b.id)) continue;
        pending.add(b.id);
        s.hints.push(b);
      }
    }
    this.issueHints(stream, s);
  }

  outcome(stream: string, outcome: Outcome): void {
    const s = this.streams.get(stream);
    if (!s) return;
    if (outcome === 'used') s.window = Math.min(this.maxWindow, s.window + 1);
    else if (outcome === 'late') s.window = Math.min(this.maxWindow, s.window * 2);
    else {
      s.window = Math.max(1, Math.floor(s.window / 2));
      s.wasted = true;
    }
  }

  window(stream: string): number | undefined {
    return this.streams.get(stream)?.window;
  }

  close(stream: string): void {
    this.streams.delete(stream);
  }

  private state(stream: string): StreamState {
    let s = this.streams.get(stream);
    if (!s) {
      s = { lastBlock: -1, delta: 0, stride: 0, window: this.initialWindow, hints: [], hintPos: 0, issuedPos: 0, wasted: false };
      // streams nobody closes (an epoch iterator's stream ends with its epoch) must not pile up: drop the oldest
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
      this.streams.set(stream, s);
    }
    return s;
  }

  private reset(s: StreamState): void {
    s.stride = 0;
    s.window = this.initialWindow;
  }

  /** Moves the hint position past the last hinted block this read touched (searching a bounded distance ahead). */
  private advanceHints(s: StreamState, blocks: BlockRef[]): void {
    const ids = new Set(blocks.map((b) => b.id));
    const end = Math.min(s.hints.length, s.hintPos + 4 * this.maxWindow + blocks.length);
    let found = -1;
    for (let i = s.hintPos; i < end; i++) if (ids.has(s.hints[i]!.id)) found = i;
    if (found >= 0) s.hintPos = found + 1;
    if (s.hintPos > 4096) this.trimHints(s);
  }

  /**
   * Hints are exact (nothing speculative to limit), so every hinted block ahead of the reader is fetched, as far
   * as the cache's prefetch byte budget allows; the rest when the budget frees up (at a later read or hint).
   */
  private issueHints(stream: string, s: StreamState): void {
    if (s.wasted) {
      // the memory tier cannot hold what this stream is hinted: back to the adaptive window
      const end = Math.min(s.hints.length, s.hintPos + s.window);
      for (let i = s.hintPos; i < end; i++) if (!this.issue(stream, s.hints[i]!)) break;
      return;
    }
    let i = Math.max(s.hintPos, s.issuedPos);
    while (i < s.hints.length && this.issue(stream, s.hints[i]!)) i++;
    s.issuedPos = i;
  }

  /** Drops the hints the reader is past. */
  private trimHints(s: StreamState): void {
    s.hints = s.hints.slice(s.hintPos);
    s.issuedPos = Math.max(0, s.issuedPos - s.hintPos);
    s.hintPos = 0;
  }
}
