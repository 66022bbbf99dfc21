/** jsonl: one record per line. A line is terminated by \n (a preceding \r is kept out of the record);
 * empty lines are skipped; a last line without \n is a record. Lines are not parsed as JSON (bytes in,
 * bytes out). No I/O. */
import type { RecordIndex } from '../types.js';

export function indexLines(body: Uint8Array): RecordIndex {
  const starts: number[] = [];
  const ends: number[] = [];
  let start = 0;
  const n = body.length;
  while (start < n) {
    let nl = body.indexOf(0x0a, start);
    if (nl === -1) nl = n;
    let end = nl;
    if (end > start && body[end - 1] === 0x0d) end--;
    if (end > start) {
      starts.push(start);
      ends.push(end);
    }
    start = nl + 1;
  }
  return { starts, ends };
}
