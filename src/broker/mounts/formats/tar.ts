/**
 * tar as WebDataset: one record per sample. Members whose names share a sample key (the path up to the
 * first '.' of the basename, e.g. `shard/000123` for `shard/000123.jpg` and `shard/000123.cls`) and sit
 * next to each other form one sample, as WebDataset groups them. The record key is the sample key; the
 * record value is the exact tar bytes of the sample's members (their headers, including pax/GNU long-name
 * headers, and 512-byte padded data), i.e. a valid tar stream without the end-of-archive blocks that any
 * tar reader (Python `tarfile`, `strata_client.decode_sample`) opens. Directories and other non-file
 * entries are skipped. No I/O.
 *
 * Header layout (POSIX ustar): name[0,100) size[124,136) octal or base-256, typeflag[156],
 * magic[257,263) "ustar", prefix[345,500).
 */
import { StrataError } from '../../../errors.js';
import type { RecordIndex } from '../types.js';

const BLOCK = 512;

function cstring(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

function parseSize(b: Uint8Array, at: number): number {
  if (b[at]! & 0x80) {
    // base-256 (GNU): big-endian binary in the remaining 11 bytes
    let n = 0;
    for (let i = at + 1; i < at + 12; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = cstring(b, at, 12).trim();
  return s ? parseInt(s, 8) : 0;
}

function isZeroBlock(b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Parses the `path` field of a pax extended header body ("<len> path=<value>\n" lines). */
function paxPath(body: Uint8Array): string | undefined {
  const text = Buffer.from(body).toString('utf8');
  for (const line of text.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** WebDataset sample key of a member path: dirname + basename up to its first dot. */
export function sampleKey(path: string): string {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dot = base.indexOf('.');
  return dot <= 0 ? path : path.slice(0, slash + 1) + base.slice(0, dot);
}

export function indexTar(body: Uint8Array): RecordIndex {
  const starts: number[] = [];
  const ends: number[] = [];
  const keys: string[] = [];
  let pos = 0;
  let pendingStart = -1; // start of pax / long-name headers that belong to the next member
  let longName: string | undefined;
  while (pos + BLOCK <= body.length) {
    if (isZeroBlock(body, pos)) break;
    const size = parseSize(body, pos + 124);
    const type = String.fromCharCode(body[pos + 156] || 0x30);
    const dataStart = pos + BLOCK;
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (!Number.isSafeInteger(size) || dataStart + size > body.length) {
      throw new StrataError('STRATA_ERR_CORRUPT_OBJECT', `tar member at byte ${pos} runs past the end of the object`, { details: { at: pos, size } });
    }
    const headerStart = pendingStart >= 0 ? pendingStart : pos;
    if (type === 'x' || type === 'L') {
      const data = body.subarray(dataStart, dataStart + size);
      longName = type === 'L' ? cstring(data, 0, data.length) : (paxPath(data) ?? longName);
      if (pendingStart < 0) pendingStart = pos;
      pos = next;
      continue;
    }
    if (type === 'g') {
      pos = next;
      continue;
    }
    pendingStart = -1;
    const name = longName ?? joinUstar(cstring(body, pos + 345, 155), cstring(body, pos, 100), body, pos);
    longName = undefined;
    if (type === '0' || type === '7') {
      const key = sampleKey(name);
      const last = keys.length - 1;
      if (last >= 0 && keys[last] === key && ends[last] === headerStart) ends[last] = next;
      else {
        starts.push(headerStart);
        ends.push(next);
        keys.push(key);
      }
    }
    pos = next;
  }
  return { starts, ends, keys };
}

function joinUstar(prefix: string, name: string, b: Uint8Array, at: number): string {
  const magic = cstring(b, at + 257, 6);
  return magic.startsWith('ustar') && prefix ? `${prefix}/${name}` : name;
}
