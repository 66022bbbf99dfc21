/**
 * Splits concatenated record batches that arrive as consecutive pieces (the views of cache blocks a ranged
 * read returns, see TieredCache.readParts) into one Buffer per batch, without CRC checks and without
 * assembling the pieces: a batch inside one piece is a view of it (zero copy); only a batch that straddles
 * a piece boundary is copied into a buffer of its own. Codec only, no I/O.
 */
import { copyBytes } from '../../cache/index.js';
import { StrataError } from '../errors.js';
import { BATCH_HEADER_SIZE, POS, readBatchHeader, type BatchHeader } from './record-batch.js';

export interface SplitBatch {
  /** The whole batch (a view of a piece, or a copy when it crossed a piece boundary). */
  buf: Buffer;
  header: BatchHeader;
}

/** Yields the batches of `parts` in order; throws STRATA_ERR_CORRUPT_RECORD_BATCH on trailing bytes. */
export function* splitBatches(parts: readonly Buffer[]): Generator<SplitBatch> {
  let i = 0;
  let pos = 0;
  let left = 0;
  for (const p of parts) left += p.length;
  while (left > 0) {
    while (pos === parts[i]!.length) {
      i++;
      pos = 0;
    }
    const part = parts[i]!;
    if (left < BATCH_HEADER_SIZE) break;
    const size = part.length - pos >= POS.batchLength + 4 ? part.readInt32BE(pos + POS.batchLength) + 12 : gather(parts, i, pos, POS.batchLength + 4).readInt32BE(POS.batchLength) + 12;
    let buf: Buffer;
    if (size > 0 && pos + size <= part.length) {
      buf = part.subarray(pos, pos + size);
      pos += size;
    } else {
      // Crosses into the next piece(s), or a bad length that readBatchHeader below rejects with its message.
      buf = gather(parts, i, pos, Math.min(Math.max(size, BATCH_HEADER_SIZE), left));
      let n = buf.length;
      while (n > 0) {
        const take = Math.min(n, parts[i]!.length - pos);
        n -= take;
        pos += take;
        if (n > 0) {
          i++;
          pos = 0;
        }
      }
    }
    const header = readBatchHeader(buf, 0);
    left -= buf.length;
    yield { buf, header };
  }
  if (left !== 0) throw new StrataError('STRATA_ERR_CORRUPT_RECORD_BATCH', `trailing ${left} bytes after the last record batch`);
}

/** Copies `n` bytes starting at parts[i][pos] (across piece boundaries) into a new buffer. */
function gather(parts: readonly Buffer[], i: number, pos: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let done = 0;
  while (done < n) {
    const p = parts[i]!;
    done += copyBytes(p.subarray(pos, Math.min(p.length, pos + n - done)), out, done);
    i++;
    pos = 0;
  }
  return out;
}
