/**
 * In-flight state across a SIGKILL of the real process (MQTT 3.1.1 §4.4, 5.0 §4.4, §4.3.3):
 * - an outgoing QoS 1 PUBLISH that was sent and not PUBACKed comes again with DUP=1 and the same packet id;
 * - an outgoing QoS 2 flow in the PUBREL state resumes with the PUBREL, not the PUBLISH;
 * - an incoming QoS 2 packet id PUBREC'd before the crash is still known after it: the client's resend is
 *   acknowledged without routing the message twice, and its PUBREL gets PUBCOMP.
 * Session snapshots (with the in-flight window) are written every cursorFlushMs (500 ms): the tests wait
 * past that before killing; an incoming QoS 2 id is durable before its PUBREC is sent.
 */
import net from 'node:net';
import mqtt from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startStrata, type StrataProcess } from '../support/process.js';
import { closeAll, connect, connectCollect, sleep } from './helpers.js';

let procs: StrataProcess[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeAll();
  for (const p of procs) await p.stop(5000);
  procs = [];
});

const env = { STRATA_MQTT_PORT: '0', STRATA_KAFKA_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_WAL_LINGER: '5ms' };

interface Raw {
  packets: mqtt.Packet[];
  send(p: mqtt.Packet): void;
  close(): void;
  of<T extends mqtt.Packet>(cmd: T['cmd']): T[];
}

/** A raw MQTT 3.1.1 client with a persistent session (clean=false) that acknowledges nothing by itself. */
async function raw(port: number, clientId: string): Promise<Raw> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const parser = mqtt.parser({ protocolVersion: 4 });
  const packets: mqtt.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  socket.on('data', (b) => parser.parse(b));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const send = (p: mqtt.Packet): void => void socket.write(mqtt.generate(p, { protocolVersion: 4 }));
  send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: false, keepalive: 0 });
  await expect.poll(() => packets.some((p) => p.cmd === 'connack'), { timeout: 15_000 }).toBe(true);
  return { packets, send, close: () => socket.destroy(), of: <T extends mqtt.Packet>(cmd: T['cmd']) => packets.filter((p) => p.cmd === cmd) as T[] };
}

async function crash(a: StrataProcess): Promise<StrataProcess> {
  a.kill('SIGKILL');
  await a.exited;
  const b = await startStrata({ env, dataDir: a.dataDir });
  procs.push(b);
  return b;
}

describe('SIGKILL with MQTT flows in flight', () => {
  it('an unacknowledged QoS 1 PUBLISH comes again with DUP=1 and the same packet id', async () => {
    const a = await startStrata({ env });
    procs.push(a);
    const sub = await raw(a.mqttPort!, 'inflight-q1');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inflight/q1', qos: 1 }] });
    await expect.poll(() => sub.of('suback').length, { timeout: 5000 }).toBe(1);
    const pub = await connect(a.mqttPort!, { protocolVersion: 4 });
    await pub.publishAsync('inflight/q1', 'acked', { qos: 1 });
    await pub.publishAsync('inflight/q1', 'not acked', { qos: 1 });
    await expect.poll(() => sub.of('publish').length, { timeout: 5000 }).toBe(2);
    const [first, second] = sub.of<mqtt.IPublishPacket>('publish');
    sub.send({ cmd: 'puback', messageId: first!.messageId });
    expect(second!.payload.toString()).toBe('not acked');
    await sleep(1200); // past the 500 ms snapshot flush
    pub.end(true);
    sub.close();
    const b = await crash(a);
    const again = await raw(b.mqttPort!, 'inflight-q1');
    expect(again.of<mqtt.IConnackPacket>('connack')[0]!.sessionPresent).toBe(true);
    await expect.poll(() => again.of('publish').length, { timeout: 15_000 }).toBeGreaterThan(0);
    await sleep(300);
    const re = again.of<mqtt.IPublishPacket>('publish');
    expect(re.map((p) => p.payload.toString())).toEqual(['not acked']);
    expect(re[0]!.dup).toBe(true); // [MQTT-3.3.1-1]
    expect(re[0]!.messageId).toBe(second!.messageId); // same packet id [MQTT-4.4.0-1]
    again.send({ cmd: 'puback', messageId: re[0]!.messageId });
  });

  it('an outgoing QoS 2 flow past PUBREC resumes with PUBREL, not the PUBLISH', async () => {
    const a = await startStrata({ env });
    procs.push(a);
    const sub = await raw(a.mqttPort!, 'inflight-q2-out');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'inflight/q2', qos: 2 }] });
    await expect.poll(() => sub.of('suback').length, { timeout: 5000 }).toBe(1);
    const pub = await connect(a.mqttPort!, { protocolVersion: 4 });
    await pub.publishAsync('inflight/q2', 'exactly once', { qos: 2 });
    await expect.poll(() => sub.of('publish').length, { timeout: 5000 }).toBe(1);
    const p = sub.of<mqtt.IPublishPacket>('publish')[0]!;
    sub.send({ cmd: 'pubrec', messageId: p.messageId });
    await expect.poll(() => sub.of('pubrel').length, { timeout: 5000 }).toBe(1);
    await sleep(1200); // no PUBCOMP; past the snapshot flush
    pub.end(true);
    sub.close();
    const b = await crash(a);
    const again = await raw(b.mqttPort!, 'inflight-q2-out');
    await expect.poll(() => again.of('pubrel').length, { timeout: 15_000 }).toBe(1);
    await sleep(300);
    expect(again.of<mqtt.IPubrelPacket>('pubrel')[0]!.messageId).toBe(p.messageId); // [MQTT-4.4.0-1]
    expect(again.of('publish')).toEqual([]); // the PUBLISH is not sent again after PUBREC [MQTT-4.3.3-5]
    again.send({ cmd: 'pubcomp', messageId: p.messageId });
  });

  it('an incoming QoS 2 message PUBREC\'d before the crash is routed once: resend → PUBREC, PUBREL → PUBCOMP', async () => {
    const a = await startStrata({ env });
    procs.push(a);
    const subOpts = { protocolVersion: 4 as const, clientId: 'inflight-q2-sub', clean: false };
    const s1 = await connect(a.mqttPort!, subOpts);
    await s1.subscribeAsync('inflight/in', { qos: 2 });
    await s1.endAsync();
    const pub = await raw(a.mqttPort!, 'inflight-q2-pub');
    const publish: mqtt.IPublishPacket = { cmd: 'publish', topic: 'inflight/in', payload: Buffer.from('once'), qos: 2, messageId: 7, retain: false, dup: false };
    pub.send(publish);
    await expect.poll(() => pub.of('pubrec').length, { timeout: 5000 }).toBe(1); // the id is durable now
    pub.close();
    const b = await crash(a);
    const { got } = await connectCollect(b.mqttPort!, subOpts);
    const again = await raw(b.mqttPort!, 'inflight-q2-pub');
    expect(again.of<mqtt.IConnackPacket>('connack')[0]!.sessionPresent).toBe(true);
    again.send({ ...publish, dup: true }); // the client did not see the PUBREC, say
    await expect.poll(() => again.of('pubrec').length, { timeout: 5000 }).toBe(1);
    again.send({ cmd: 'pubrel', messageId: 7 });
    await expect.poll(() => again.of('pubcomp').length, { timeout: 5000 }).toBe(1);
    await got.wait(1, 15_000);
    await sleep(1000);
    expect(got.messages.map((r) => r.payload.toString())).toEqual(['once']); // exactly once [MQTT-4.3.3-10]
    // the id is free again: a new message under it is routed
    again.send({ ...publish, payload: Buffer.from('next') });
    await expect.poll(() => again.of('pubrec').length, { timeout: 5000 }).toBe(2);
    await expect.poll(() => got.messages.length, { timeout: 5000 }).toBe(2);
    expect(got.messages.map((r) => r.payload.toString())).toEqual(['once', 'next']);
  });
});
