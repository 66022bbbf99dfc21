/** The block model: an object version is cut into fixed-size blocks; the last one may be shorter. */
import type { ObjectRef } from './types.js';

export interface BlockRef {
  obj: ObjectRef;
  index: number;
  /** Byte offset of the block in the object. */
  offset: number;
  length: number;
  /** key + etag + block number: the identity of the block in every tier. */
  id: string;
}

export function blockId(obj: ObjectRef, index: number): string {
  // NUL cannot appear in an object key or an etag, so the id is unambiguous.
  return `${obj.key}\u0000${obj.etag}\u0000${index}`;
}

export function blockCount(obj: ObjectRef, blockSize: number): number {
  return Math.ceil(obj.size / blockSize);
}

export function blockRef(obj: ObjectRef, index: number, blockSize: number): BlockRef {
  const offset = index * blockSize;
  return { obj, index, offset, length: Math.min(blockSize, obj.size - offset), id: blockId(obj, index) };
}

/** Blocks covering [offset, offset+length) of obj; the range must lie inside the object. */
export function blocksFor(obj: ObjectRef, offset: number, length: number, blockSize: number): BlockRef[] {
  if (length <= 0) return [];
  const first = Math.floor(offset / blockSize);
  const last = Math.floor((offset + length - 1) / blockSize);
  const out: BlockRef[] = [];
  for (let i = first; i <= last; i++) out.push(blockRef(obj, i, blockSize));
  return out;
}
