/**
 * Copies for mqttLogTopics and the acknowledgement (docs/reference/mqtt.md, "acked means durable"): a QoS 1
 * message is delivered to subscribers while its log copy is still being made durable, but its PUBACK waits
 * for the copy; a failed copy is reported in the PUBACK; QoS 2 still routes only after the copy is durable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LogPersistence } from '../../src/broker/mqtt/log-persistence.js';
import { MemoryPersistence } from '../../src/broker/mqtt/persistence.js';
import { openTopicLog } from '../../src/log/index.js';
import { Keys } from '../../src/store/keys.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Message } from '../../src/broker/mqtt/types.js';
import { closeAll, connect, connectCollect, silent, sleep, startBroker, type TestBroker } from './helpers.js';

/** Export copies wait until released (or fail when told to). */
class GatedPersistence extends MemoryPersistence {
  private gates: Array<{ open: () => void; fail: (e: Error) => void }> = [];
  override async export(ns: string, logTopic: string, m: Message): Promise<void> {
    await new Promise<void>((open, fail) => this.gates.push({ open, fail }));
    return super.export(ns, logTopic, m);
  }
  get waiting(): number {
    return this.gates.length;
  }
  release(): void {
    for (const g of this.gates.splice(0)) g.open();
  }
  failAll(): void {
    for (const g of this.gates.splice(0)) g.fail(new Error('store down'));
  }
}

let tb: TestBroker | undefined;
afterEach(async () => {
  await closeAll();
  await tb?.close();
  tb = undefined;
});

async function setup(): Promise<GatedPersistence> {
  const persistence = new GatedPersistence();
  tb = await startBroker({ persistence, broker: { logTopics: [{ filter: 'h/#', topic: 'history' }] } });
  return persistence;
}

describe('mqttLogTopics copies and the acknowledgement', () => {
  it('QoS 1: delivered before the copy is durable, PUBACK only after it', async () => {
    const p = await setup();
    const { client: sub, got } = await connectCollect(tb!, { protocolVersion: 5 });
    await sub.subscribeAsync('h/#', { qos: 1 });
    const pub = await connect(tb!, { protocolVersion: 5 });
    let acked = false;
    const ack = pub.publishAsync('h/1', 'req', { qos: 1 }).then(() => (acked = true));
    const [m] = await got.wait(1, 3000);
    expect(m!.payload.toString()).toBe('req');
    await sleep(100);
    expect(p.waiting).toBe(1);
    expect(acked).toBe(false); // acked means durable: still waiting for the copy
    p.release();
    await ack;
    expect(p.exported.get('default/history')?.map((x) => Buffer.from(x.payload).toString())).toEqual(['req']);
  });

  it('QoS 1: a failed copy is reported in the PUBACK (v5), so the publisher knows to send again', async () => {
    const p = await setup();
    const pub = await connect(tb!, { protocolVersion: 5 });
    const ack = pub.publishAsync('h/2', 'x', { qos: 1 });
    const settled = ack.then(() => 'acked', (e: Error) => `failed: ${e.message}`);
    while (p.waiting === 0) await sleep(10);
    p.failAll();
    expect(await settled).toMatch(/^failed/);
  });

  it('QoS 2: routed only once the copy is durable', async () => {
    const p = await setup();
    const { client: sub, got } = await connectCollect(tb!, { protocolVersion: 5 });
    await sub.subscribeAsync('h/#', { qos: 2 });
    const pub = await connect(tb!, { protocolVersion: 5 });
    const ack = pub.publishAsync('h/3', 'y', { qos: 2 });
    while (p.waiting === 0) await sleep(10);
    await sleep(100);
    expect(got.messages).toHaveLength(0);
    p.release();
    await ack;
    const [m] = await got.wait(1, 3000);
    expect(m!.payload.toString()).toBe('y');
  });

  it('copies of one turn share a record batch; a refused record fails only its own PUBACK', async () => {
    const store = new MemoryStore();
    const keys = new Keys();
    const log = await openTopicLog({ store, keys, logger: silent, config: { walLingerMs: 5 } });
    await log.createTopic('default', 'history', { partitions: 1, maxMessageBytes: 1000 });
    tb = await startBroker({ persistence: new LogPersistence({ store, keys, log, logger: silent }), broker: { logTopics: [{ filter: 'h/#', topic: 'history' }] } });
    const pub = await connect(tb, { protocolVersion: 5 });
    const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'acked', () => 'failed');
    const results = await Promise.all([outcome(pub.publishAsync('h/a', 'one', { qos: 1 })), outcome(pub.publishAsync('h/b', Buffer.alloc(2000, 0x61), { qos: 1 })), outcome(pub.publishAsync('h/c', 'three', { qos: 1 }))]);
    expect(results).toEqual(['acked', 'failed', 'acked']);
    const r = await log.readRecords('default', 'history', 0, 0);
    expect(r.records.map((x) => x.key!.toString())).toEqual(['h/a', 'h/c']);
    await log.close();
  });
});
