/**
 * A lean MQTT 3.1.1 load client on raw sockets (mqtt-packet for framing): pre-encoded PUBLISH packets,
 * QoS 1 windows, PUBACKs written as 4 bytes. The load generator must not be what is measured.
 */
import { connect as tcp, type Socket } from 'node:net';
import mqtt, { type Packet } from 'mqtt-packet';

export class LoadClient {
  private readonly parser = mqtt.parser({ protocolVersion: 4 });
  private waiters = new Map<string, (p: Packet) => void>();
  onPublish: ((p: mqtt.IPublishPacket) => void) | undefined;
  onPuback: ((id: number) => void) | undefined;
  ackQos1 = true;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    this.parser.on('packet', (p: Packet) => {
      if (p.cmd === 'publish') {
        if (p.qos === 1 && this.ackQos1) socket.write(Buffer.from([0x40, 2, (p.messageId! >> 8) & 0xff, p.messageId! & 0xff]));
        this.onPublish?.(p);
        return;
      }
      if (p.cmd === 'puback') return this.onPuback?.(p.messageId!);
      const w = this.waiters.get(p.cmd);
      if (w) {
        this.waiters.delete(p.cmd);
        w(p);
      }
    });
    socket.on('data', (b) => this.parser.parse(b));
    socket.on('error', () => {});
  }

  static async connect(port: number, clientId: string, clean = true): Promise<LoadClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tcp(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new LoadClient(socket);
    const ack = c.next('connack');
    socket.write(mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 0 }));
    const p = (await ack) as mqtt.IConnackPacket;
    if (p.returnCode !== 0) throw new Error(`connack ${p.returnCode}`);
    return c;
  }

  next(cmd: string, ms = 10_000): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${cmd}`)), ms);
      this.waiters.set(cmd, (p) => (clearTimeout(t), resolve(p)));
    });
  }

  async subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const ack = this.next('suback');
    this.socket.write(mqtt.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] }));
    await ack;
  }

  /** Publishes `count` messages; QoS 1 keeps `window` unacknowledged. Resolves when all are written (QoS 0) or acked (QoS 1). */
  async publishMany(topic: string, count: number, payload: (i: number) => Buffer, qos: 0 | 1, window = 100): Promise<void> {
    const s = this.socket;
    if (qos === 0) {
      const packet = mqtt.generate({ cmd: 'publish', topic, payload: payload(0), qos: 0, retain: false, dup: false });
      for (let i = 0; i < count; i++) {
        const ok = s.write(packet);
        if (!ok) await new Promise((r) => s.once('drain', r));
        else if (i % 256 === 255) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    const template = mqtt.generate({ cmd: 'publish', topic, payload: payload(0), qos: 1, messageId: 1, retain: false, dup: false });
    const idAt = template.length - payload(0).length - 2;
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const send = (): void => {
        while (sent < count && sent - acked < window) {
          const id = (sent % 65535) + 1;
          const b = Buffer.from(template);
          b.writeUInt16BE(id, idAt);
          s.write(b);
          sent++;
        }
      };
      this.onPuback = () => {
        acked++;
        if (acked === count) resolve();
        else send();
      };
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
