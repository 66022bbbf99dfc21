/**
 * SSD block reads and CRC32s off the event loop. Verifying a 4 MiB block costs about 1 ms of CPU (zlib's
 * crc32, ~4 GiB/s) and reading it takes three trips through libuv's pool (open, preadv, close); done from the
 * event loop, that is most of what a warm SSD read costs, and readers wait behind it.
 *
 * Blocks in recycled buffers live in SharedArrayBuffers (BlockPool `shared`), so one worker thread reads the
 * file straight into the block's memory and checksums it in place, in one message round trip: the message
 * carries the shared memory, never a copy. Buffers that are not shared (partial blocks) are handled on the
 * calling thread, as before.
 *
 * The worker starts on first use and keeps the process alive only while it owes an answer. If it fails,
 * what it owed is redone on the calling thread and the worker is not used again (logged once).
 */
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { CacheLogger } from './types.js';

// Plain CommonJS evaluated as the worker's script: no file to resolve next to the compiled or the .ts module.
const SCRIPT = `
const { parentPort } = require('node:worker_threads');
const { openSync, readvSync, closeSync } = require('node:fs');
const { crc32 } = require('node:zlib');
parentPort.on('message', (m) => {
  const data = new Uint8Array(m.sab, m.offset, m.length);
  if (m.op === 'crc') return parentPort.postMessage({ seq: m.seq, crc: crc32(data) });
  try {
    const header = Buffer.allocUnsafe(m.headerLength);
    const fd = openSync(m.path, 'r');
    let bytesRead;
    try {
      bytesRead = readvSync(fd, [header, data, Buffer.allocUnsafe(1)], 0);
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ seq: m.seq, header, bytesRead, crc: crc32(data) });
  } catch (err) {
    parentPort.postMessage({ seq: m.seq, error: { message: err.message, code: err.code } });
  }
});
`;

/** Below this size the message round trip (~50 µs) costs more than doing the work in place. */
export const MIN_OFFLOAD = 256 * 1024;

/** A block file read as header + data (+ 1 byte to catch a file longer than expected). */
export interface BlockRead {
  header: Buffer;
  /** Bytes read in all; a file of the expected size gives header.length + data.length. */
  bytesRead: number;
  /** crc32 of the data part. */
  crc: number;
}

type Reply = { seq: number; crc: number; header?: Uint8Array; bytesRead?: number; error?: { message: string; code?: string } };

interface Pending {
  redo: () => Promise<Reply>;
  resolve: (r: Reply) => void;
  reject: (err: Error) => void;
}

/** How the SSD tier reads block files and checksums blocks. */
export interface BlockIo {
  crc(data: Buffer): Promise<number>;
  readBlock(path: string, headerLength: number, data: Buffer): Promise<BlockRead>;
}

/** Everything on the calling thread (and libuv's pool). */
export const IN_PLACE: BlockIo = { crc: async (data) => crc32(data), readBlock: (path, headerLength, data) => readInPlace(path, headerLength, data) };

const shared = (b: Buffer): boolean => b.buffer instanceof SharedArrayBuffer && b.length >= MIN_OFFLOAD;

export class BlockWorker implements BlockIo {
  private worker: Worker | undefined;
  private failed = false;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly logger?: CacheLogger) {}

  /** CRC32 of data: in the worker when data lives in shared memory, else right here. */
  async crc(data: Buffer): Promise<number> {
    if (this.failed || !shared(data)) return crc32(data);
    return (await this.call({ op: 'crc' }, data, async () => ({ seq: -1, crc: crc32(data) }))).crc;
  }

  /** Reads the file at path into a new header of headerLength bytes and into data, and checksums data. */
  async readBlock(path: string, headerLength: number, data: Buffer): Promise<BlockRead> {
    const inPlace = (): Promise<BlockRead> => readInPlace(path, headerLength, data);
    if (this.failed || !shared(data)) return inPlace();
    const r = await this.call({ op: 'read', path, headerLength }, data, async () => ({ seq: -1, ...(await inPlace()) }));
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    const h = r.header!;
    return { header: Buffer.from(h.buffer, h.byteOffset, h.length), bytesRead: r.bytesRead!, crc: r.crc };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failed = true; // later calls (there should be none) work in place
    this.redoPending();
    await w?.terminate();
  }

  private call(msg: object, data: Buffer, redo: () => Promise<Reply>): Promise<Reply> {
    const w = this.worker ?? this.start();
    const seq = this.seq++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(seq, { redo, resolve, reject });
      if (this.pending.size === 1) w.ref(); // while an answer is owed, the process waits for it
      w.postMessage({ ...msg, seq, sab: data.buffer, offset: data.byteOffset, length: data.length });
    });
  }

  private start(): Worker {
    const w = new Worker(SCRIPT, { eval: true });
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if (this.pending.size === 0) w.unref();
      p.resolve(m);
    });
    const fail = (err: Error): void => {
      if (this.failed) return;
      this.failed = true;
      this.worker = undefined;
      this.logger?.warn({ err: err.message }, 'SSD block worker failed; reading and checksumming on the event loop');
      this.redoPending();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private redoPending(): void {
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.redo().then(p.resolve, p.reject);
    }
  }
}

/** The same read on this thread: open, one preadv, close (three trips through libuv's pool). */
async function readInPlace(path: string, headerLength: number, data: Buffer): Promise<BlockRead> {
  const header = Buffer.allocUnsafe(headerLength);
  const fh = await open(path, 'r');
  let bytesRead: number;
  try {
    bytesRead = (await fh.readv([header, data, Buffer.allocUnsafe(1)], 0)).bytesRead;
  } finally {
    await fh.close();
  }
  return { header, bytesRead, crc: crc32(data) };
}
