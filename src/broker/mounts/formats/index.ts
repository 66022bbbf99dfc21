/** Record indexers per mount format (codecs: bytes in, byte ranges out, no I/O). */
import type { MountFormat, RecordIndex } from '../types.js';
import { indexCsv } from './csv.js';
import { indexLines } from './jsonl.js';
import { indexTar } from './tar.js';

/** Formats whose records live inside objects and need a per-object record index. raw does not. */
export function needsIndex(format: MountFormat): boolean {
  return format !== 'raw';
}

export function indexObject(format: MountFormat, body: Uint8Array): RecordIndex {
  switch (format) {
    case 'raw':
      return { starts: [0], ends: [body.length] };
    case 'jsonl':
      return indexLines(body);
    case 'csv':
      return indexCsv(body);
    case 'tar':
      return indexTar(body);
  }
}

export { indexCsv, indexLines, indexTar };
