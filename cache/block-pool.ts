/**
 * Recycled block buffers. A cache that keeps every fetched block in a fresh Buffer makes V8 count each one as
 * new external memory; with the memory tier full, every fetch then pushes the process towards a full
 * mark-compact (the evicted blocks are old objects, freed only by one), and a catch-up scan runs GC every few
 * blocks. Reusing an evicted block's buffer for the next fetch allocates nothing in the steady state.
 *
 * The rule that keeps it safe: a buffer goes back to the pool only when
 * - the memory tier no longer holds its block (evicted, deleted, replaced),
 * - nobody holds a pin on it: readers of a lease (TieredCache.readLease) until they release, an SSD write
 *   until it has written the file, a fetch until every reader that waited for it has taken its own pin, and
 * - no view of it ever escaped without a pin: read() and readParts() hand out views with no end of life,
 *   so such a block is never recycled (the garbage collector frees it as before).
 */
export class PooledBlock {
  pins = 0;
  /** A view was handed out with no release: this buffer must never be reused. */
  escaped = false;
  /** The memory tier still holds the block. */
  resident = true;
  constructor(readonly buf: Buffer) {}
}

/** Bound of the recycled-vs-escaped score: the pool adapts within this many blocks. */
const SCORE_BOUND = 16;

export class BlockPool {
  private readonly free: Buffer[] = [];
  /** +1 per block recycled, -1 per block escaped, within ±SCORE_BOUND. */
  private score = 0;

  constructor(
    readonly size: number,
    private readonly maxFree: number,
    /**
     * New buffers in SharedArrayBuffers, so a worker thread can read and checksum blocks in place
     * (block-worker.ts), as long as blocks come back to the pool: a shared buffer costs ~4× a plain one to
     * create (zeroed, fresh pages), which only pays when it is reused. While more blocks escape than come back
     * (read()/readParts() readers), new buffers are plain.
     */
    private readonly shared = false,
  ) {}

  /** A free buffer (reused: true) or a new one. */
  take(): { buf: Buffer; reused: boolean } {
    const b = this.free.pop();
    if (b) return { buf: b, reused: true };
    return { buf: this.shared && this.score >= 0 ? Buffer.from(new SharedArrayBuffer(this.size)) : Buffer.allocUnsafeSlow(this.size), reused: false };
  }

  /** A view of b was handed out with no end of life: b is never reused. */
  escape(b: PooledBlock): void {
    if (b.escaped) return;
    b.escaped = true;
    this.score = Math.max(-SCORE_BOUND, this.score - 1);
  }

  /** Back into the pool (dropped when the pool is full: the pool never holds more than maxFree buffers). */
  give(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.maxFree) this.free.push(buf);
  }

  pin(b: PooledBlock): void {
    b.pins++;
  }

  unpin(b: PooledBlock): void {
    b.pins--;
    this.maybeRecycle(b);
  }

  /** The memory tier let go of the block. */
  evicted(b: PooledBlock): void {
    b.resident = false;
    this.maybeRecycle(b);
  }

  get pooled(): number {
    return this.free.length;
  }

  private maybeRecycle(b: PooledBlock): void {
    if (b.pins > 0 || b.resident || b.escaped) return;
    b.escaped = true; // never twice
    this.score = Math.min(SCORE_BOUND, this.score + 1);
    this.give(b.buf);
  }
}
