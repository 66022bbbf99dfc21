/**
 * csv (RFC 4180): one record per row. The first row of every object is its header: it is not a record,
 * it is kept in the object's index (and shown in the mount's describe output). A record's value is the
 * row's raw bytes without its line terminator (\n or \r\n); quoted fields may hold commas, "" and line
 * breaks. Empty rows are skipped. No I/O.
 */
import type { RecordIndex } from '../types.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Row byte ranges of a CSV body, quotes respected. */
export function splitRows(body: Uint8Array): Array<[number, number]> {
  const rows: Array<[number, number]> = [];
  const n = body.length;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < n; i++) {
    const c = body[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === LF && !quoted) {
      let end = i;
      if (end > start && body[end - 1] === CR) end--;
      if (end > start) rows.push([start, end]);
      start = i + 1;
    }
  }
  if (start < n) {
    let end = n;
    if (body[end - 1] === CR) end--;
    if (end > start) rows.push([start, end]);
  }
  return rows;
}

export function indexCsv(body: Uint8Array): RecordIndex {
  const rows = splitRows(body);
  const first = rows.shift();
  const header = first ? Buffer.from(body.buffer, body.byteOffset + first[0], first[1] - first[0]).toString('utf8') : undefined;
  return { starts: rows.map((r) => r[0]), ends: rows.map((r) => r[1]), ...(header !== undefined ? { header } : {}) };
}
