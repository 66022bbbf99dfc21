/**
 * A raw Kafka wire client for protocol tests: writes exact bytes, reads size-prefixed response frames.
 */
import { connect, type Socket } from 'node:net';
import type { ApiDef } from '../../../src/protocol/kafka/codec/api.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/kafka/codec/request.js';
import type { Msg } from '../../../src/protocol/kafka/codec/schema.js';

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<(b: Buffer) => void> = [];
  private frames: Buffer[] = [];
  closed = false;
  private closeWaiters: Array<() => void> = [];
  private nextCorrelation = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const size = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + size);
        this.buf = this.buf.subarray(4 + size);
        const w = this.waiters.shift();
        if (w) w(frame);
        else this.frames.push(frame);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters) w();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  /** Next response frame (without its size), or rejects after ms. */
  frame(ms = 5000): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no response frame')), ms);
      this.waiters.push((b) => {
        clearTimeout(t);
        resolve(b);
      });
    });
  }

  /** Resolves once the broker closed the connection; rejects after ms. */
  whenClosed(ms = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection still open')), ms);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async request(api: ApiDef, version: number, body: Msg): Promise<Msg> {
    const id = this.nextCorrelation++;
    this.write(encodeRequest(api, version, id, 'raw-test', body));
    const r = decodeResponse(api, version, await this.frame());
    if (r.correlationId !== id) throw new Error(`correlation id ${r.correlationId} != ${id}`);
    return r.body;
  }

  close(): void {
    this.socket.destroy();
  }
}
