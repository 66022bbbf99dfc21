/**
 * A lean MQTT 3.1.1 load client on raw sockets. The load generator must not be what is measured, so its hot
 * path does what a fast client does and no more:
 *   - incoming PUBLISH / PUBACK frames are split and read in place (no packet objects, no parser library);
 *   - the PUBACKs for all QoS 1 messages of one socket read go out in one write;
 *   - a QoS 1 publisher refills its window with one write of all the packets it may send (pre-encoded, only the
 *     packet id patched), QoS 0 publishers write `batch` packets per write.
 * `batch=1` (bench/mqtt.ts `--batch=1`) writes every packet on its own, as a naive client does.
 * mqtt-packet only encodes CONNECT and SUBSCRIBE.
 */
import { connect as tcp, type Socket } from 'node:net';
import mqtt from 'mqtt-packet';

/** An incoming PUBLISH, read in place: `payload` is a view of the socket chunk. */
export interface InPublish {
  qos: number;
  messageId: number;
  payload: Buffer;
}

const PUBACK = 0x40;

export class LoadClient {
  /** The start of a frame that the last read did not complete. */
  private rest: Buffer | undefined;
  /** Waiters for control packets by packet type (CONNACK 2, SUBACK 9), given the frame's body. */
  private waiters = new Map<number, (body: Buffer) => void>();
  onPublish: ((p: InPublish) => void) | undefined;
  /** PUBACKs received in one socket read. */
  onPubacks: ((n: number) => void) | undefined;
  ackQos1 = true;

  private constructor(
    readonly socket: Socket,
    readonly batch: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => this.read(b));
    socket.on('error', () => {});
  }

  private read(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let pos = 0;
    let acks: number[] | undefined;
    let pubacks = 0;
    while (pos + 2 <= buf.length) {
      const h = buf[pos]!;
      let len = 0;
      let mul = 1;
      let i = pos + 1;
      let complete = false;
      while (i < buf.length && i < pos + 5) {
        const b = buf[i++]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + len > buf.length) break;
      const end = i + len;
      const type = h >> 4;
      if (type === 3) {
        const qos = (h >> 1) & 3;
        let p = i + 2 + buf.readUInt16BE(i);
        let id = 0;
        if (qos > 0) {
          id = buf.readUInt16BE(p);
          p += 2;
          if (qos === 1 && this.ackQos1) (acks ??= []).push(id);
        }
        this.onPublish?.({ qos, messageId: id, payload: buf.subarray(p, end) });
      } else if (type === 4) pubacks++;
      else {
        const w = this.waiters.get(type);
        if (w) {
          this.waiters.delete(type);
          w(buf.subarray(i, end));
        }
      }
      pos = end;
    }
    if (pos < buf.length) this.rest = buf.subarray(pos);
    if (acks) {
      const out = Buffer.allocUnsafe(acks.length * 4);
      for (let k = 0; k < acks.length; k++) {
        out[k * 4] = PUBACK;
        out[k * 4 + 1] = 2;
        out.writeUInt16BE(acks[k]!, k * 4 + 2);
      }
      if (this.batch > 1) this.socket.write(out);
      else for (let k = 0; k < acks.length; k++) this.socket.write(out.subarray(k * 4, k * 4 + 4));
    }
    if (pubacks > 0) this.onPubacks?.(pubacks);
  }

  static async connect(port: number, clientId: string, clean = true, batch = 64): Promise<LoadClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tcp(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new LoadClient(socket, batch);
    const ack = c.next(2);
    socket.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 0 }));
    const body = await ack;
    if (body[1] !== 0) throw new Error(`connack ${body[1]}`);
    return c;
  }

  /** The body of the next control packet of `type`. */
  next(type: number, ms = 10_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no packet of type ${type}`)), ms);
      this.waiters.set(type, (b) => (clearTimeout(t), resolve(b)));
    });
  }

  async subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const ack = this.next(9);
    this.socket.write(mqtt.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] }));
    const body = await ack;
    if (body[2]! >= 0x80) throw new Error(`subscribe to ${filter} refused`);
  }

  /** Sends what the window allows now (QoS 1 publishMany); `delivered` windows call it as messages arrive. */
  pump: () => void = () => {};

  /**
   * Publishes `count` messages; QoS 1 keeps `window` unacknowledged, or with `delivered` (end to end) `window`
   * not yet delivered to the subscribers (call `pump` when that count moves). Resolves when all are written
   * (QoS 0) or acked (QoS 1).
   */
  async publishMany(topic: string, count: number, payload: Buffer, qos: 0 | 1, window = 100, delivered?: () => number): Promise<void> {
    const s = this.socket;
    if (qos === 0) {
      const one = mqtt.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
      const many = Buffer.concat(Array.from({ length: this.batch }, () => one));
      for (let i = 0; i < count; ) {
        const n = Math.min(this.batch, count - i);
        const ok = s.write(n === this.batch ? many : many.subarray(0, n * one.length));
        i += n;
        if (!ok) await new Promise((r) => s.once('drain', r));
        else if (i % (256 * this.batch) < n) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    const template = mqtt.generate({ cmd: 'publish', topic, payload, qos: 1, messageId: 1, retain: false, dup: false });
    const size = template.length;
    const idAt = size - payload.length - 2;
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const send = (): void => {
        const n = Math.min(count - sent, window - (sent - (delivered ? delivered() : acked)));
        if (n <= 0) return;
        const out = Buffer.allocUnsafe(n * size);
        for (let k = 0; k < n; k++) {
          template.copy(out, k * size);
          out.writeUInt16BE((sent++ % 65535) + 1, k * size + idAt);
        }
        if (this.batch > 1) s.write(out);
        else for (let k = 0; k < n; k++) s.write(out.subarray(k * size, (k + 1) * size));
      };
      this.onPubacks = (n) => {
        acked += n;
        if (acked >= count) resolve();
        else send();
      };
      this.pump = send;
      send();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
