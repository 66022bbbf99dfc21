/** A raw MQTT client over an in-memory duplex pair: exact bytes in, parsed packets out. */
import { Duplex } from 'node:stream';
import mqtt, { type Packet } from 'mqtt-packet';
import type { MqttServer } from '../../src/protocol/mqtt/server.js';

export function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb(err);
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

export interface RawClient {
  packets: Packet[];
  send(p: Packet | Buffer): void;
  next(cmd: string, ms?: number): Promise<Packet>;
  closed: Promise<void>;
  isClosed(): boolean;
  end(): void;
}

export function rawClient(server: MqttServer, protocolVersion: 3 | 4 | 5 = 5): RawClient {
  const [client, serverSide] = duplexPair();
  server.handle(serverSide, { address: '127.0.0.1' });
  const parser = mqtt.parser({ protocolVersion });
  const packets: Packet[] = [];
  let closed = false;
  const waiters: { cmd: string; resolve: (p: Packet) => void }[] = [];
  let seen = 0;
  parser.on('packet', (p: Packet) => {
    packets.push(p);
    const w = waiters.findIndex((x) => x.cmd === p.cmd);
    if (w >= 0) {
      seen = packets.length;
      waiters.splice(w, 1)[0]!.resolve(p);
    }
  });
  client.on('data', (b: Buffer) => parser.parse(b));
  const closedP = new Promise<void>((r) => {
    client.on('end', () => ((closed = true), r()));
    client.on('close', () => ((closed = true), r()));
  });
  return {
    packets,
    send(p) {
      client.write(Buffer.isBuffer(p) ? p : mqtt.generate(p, { protocolVersion }));
    },
    next(cmd, ms = 3000) {
      const found = packets.slice(seen).find((p) => p.cmd === cmd);
      if (found) {
        seen = packets.indexOf(found) + 1;
        return Promise.resolve(found);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${cmd} within ${ms} ms; got ${packets.map((p) => p.cmd).join(',')}`)), ms);
        waiters.push({ cmd, resolve: (p) => (clearTimeout(t), resolve(p)) });
      });
    },
    closed: closedP,
    isClosed: () => closed,
    end: () => client.destroy(),
  };
}

export function connectPacket(clientId: string, protocolVersion: 3 | 4 | 5 = 5, extra: Partial<mqtt.IConnectPacket> = {}): mqtt.IConnectPacket {
  return { cmd: 'connect', protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', protocolVersion, clientId, clean: true, keepalive: 0, ...extra };
}
