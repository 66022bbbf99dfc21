/**
 * Flood bounds (src/protocol/mqtt/connection.ts FLOOD_HIGH): a client that sends SUBSCRIBEs (or QoS 0 publishes
 * that need durable copies) faster than the broker can persist them stops being read, instead of growing the
 * broker's queue without bound; every request is still answered in order, and other clients are served.
 */
import mqtt from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPersistence } from '../../src/broker/mqtt/persistence.js';
import type { Message, SessionSnapshot } from '../../src/broker/mqtt/types.js';
import { FLOOD_HIGH } from '../../src/protocol/mqtt/connection.js';
import { sleep, startBroker, type TestBroker } from './helpers.js';
import { connectPacket, rawClient } from './raw.js';

/** Session saves and retained writes take a while (a slow object store). */
class SlowPersistence extends MemoryPersistence {
  override async saveSession(s: SessionSnapshot): Promise<void> {
    await sleep(1);
    return super.saveSession(s);
  }
  override async putRetained(ns: string, m: Message): Promise<void> {
    await sleep(1);
    return super.putRetained(ns, m);
  }
}

let tb: TestBroker | undefined;
afterEach(async () => tb?.close());

describe('flood bounds', () => {
  it('a SUBSCRIBE flood from a persistent session pauses reading at the bound; all SUBACKs come, in order; others are served meanwhile', async () => {
    tb = await startBroker({ persistence: new SlowPersistence() });
    const flooder = rawClient(tb.server, 5);
    flooder.send(connectPacket('flooder', 5, { clean: false, properties: { sessionExpiryInterval: 3600 } }));
    await flooder.next('connack');
    const conn = [...tb.server.connections].find((c) => c.clientId === 'flooder')!;
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, conn.floodWork)), 1);
    const N = 1500;
    // 5 writes of 300 SUBSCRIBEs each
    for (let w = 0; w < 5; w++) {
      flooder.send(Buffer.concat(Array.from({ length: 300 }, (_, i) => mqtt.generate({ cmd: 'subscribe', messageId: w * 300 + i + 1, subscriptions: [{ topic: `f/${w}/${i}`, qos: 0 }] } as mqtt.ISubscribePacket, { protocolVersion: 5 }))));
    }
    // another client is served while the flood is worked off
    const other = rawClient(tb.server, 5);
    const t0 = Date.now();
    other.send(connectPacket('other', 5));
    await other.next('connack');
    other.send({ cmd: 'pingreq' });
    await other.next('pingresp');
    const otherMs = Date.now() - t0;
    await expect.poll(() => flooder.packets.filter((p) => p.cmd === 'suback').length, { timeout: 30_000, interval: 50 }).toBe(N);
    clearInterval(probe);
    const ids = flooder.packets.filter((p) => p.cmd === 'suback').map((p) => (p as mqtt.ISubackPacket).messageId);
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    // the queue never held much more than the bound (plus what one socket read carries)
    expect(peak).toBeGreaterThanOrEqual(FLOOD_HIGH - 1);
    expect(peak).toBeLessThanOrEqual(FLOOD_HIGH + 300);
    expect(otherMs).toBeLessThan(2000);
    expect(conn.floodWork).toBe(0);
    flooder.end();
    other.end();
  }, 40_000);

  it('a flood of retained QoS 0 publishes (each waits for its durable copy) is bounded the same way', async () => {
    tb = await startBroker({ persistence: new SlowPersistence() });
    const flooder = rawClient(tb.server, 4);
    flooder.send(connectPacket('qos0-flooder', 4));
    await flooder.next('connack');
    const conn = [...tb.server.connections].find((c) => c.clientId === 'qos0-flooder')!;
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, conn.floodWork)), 1);
    for (let w = 0; w < 5; w++) {
      flooder.send(Buffer.concat(Array.from({ length: 300 }, (_, i) => mqtt.generate({ cmd: 'publish', topic: `r/${w}/${i}`, payload: Buffer.from('v'), qos: 0, retain: true, dup: false }, { protocolVersion: 4 }))));
    }
    await expect.poll(() => conn.floodWork, { timeout: 30_000, interval: 50 }).toBe(0);
    clearInterval(probe);
    expect(peak).toBeGreaterThanOrEqual(FLOOD_HIGH - 1);
    expect(peak).toBeLessThanOrEqual(FLOOD_HIGH + 300);
    // every retained message landed
    const sub = rawClient(tb.server, 4);
    sub.send(connectPacket('reader', 4));
    await sub.next('connack');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 0 }] });
    await expect.poll(() => sub.packets.filter((p) => p.cmd === 'publish').length, { timeout: 10_000 }).toBe(1500);
    flooder.end();
    sub.end();
  }, 40_000);
});
