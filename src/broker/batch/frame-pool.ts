/**
 * Recycled memory for batch response frames. A 1 MiB frame in a fresh buffer costs more than encoding it: the
 * kernel maps and zeroes new pages on first touch, and V8 counts each buffer as new external memory, which
 * brings garbage collections forward. A frame's buffer comes back once its response has been written to the
 * socket (the HTTP response's 'finish'), so an epoch iterator allocates nothing in the steady state.
 *
 * The rule that keeps it safe: give() only a frame whose bytes nobody reads any more. A response that ends
 * without 'finish' (the client went away) never gives its frame back; the garbage collector frees it.
 */
import type { FrameAlloc } from './raw-frame.js';

/** Pooled buffers are at least this large (one size fits the usual frames of a training loop). */
const MIN_SIZE = 1024 * 1024;

export class FramePool {
  private readonly free: Buffer[] = [];
  private taken = 0;
  private reused = 0;

  /**
   * @param maxFree buffers kept for reuse at most
   * @param maxSize frames larger than this (bytes) are never pooled: a rare huge batch does not pin its memory
   */
  constructor(
    private readonly maxFree = 8,
    private readonly maxSize = 64 * 1024 * 1024,
  ) {}

  /** A buffer of exactly `length` bytes: a view of a recycled one when one is large enough, else a new one. */
  readonly take: FrameAlloc = (length) => {
    this.taken++;
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i]!;
      if (b.length >= length) {
        this.free.splice(i, 1);
        this.reused++;
        return b.subarray(0, length);
      }
    }
    if (length > this.maxSize) return Buffer.allocUnsafeSlow(length);
    // sizes round up to a power of two, so frames that vary a little share buffers
    return Buffer.allocUnsafeSlow(Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(length)))).subarray(0, length);
  };

  /** Returns a frame from take() once nothing reads it. */
  give(frame: Buffer): void {
    const whole = frame.buffer;
    if (frame.byteOffset !== 0 || whole.byteLength > this.maxSize || whole.byteLength < MIN_SIZE || whole instanceof SharedArrayBuffer) return;
    if (this.free.length >= this.maxFree) this.free.shift(); // the oldest goes to the garbage collector
    this.free.push(Buffer.from(whole));
  }

  stats(): { taken: number; reused: number; free: number } {
    return { taken: this.taken, reused: this.reused, free: this.free.length };
  }
}
