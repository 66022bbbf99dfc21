/**
 * kafkajs consumer groups: three members share a 6-partition topic, one leaves (LeaveGroup → rebalance),
 * the remaining two take over its partitions, and every record is seen. Then offset commit and resume:
 * a new consumer of the same group starts at the committed offsets.
 */
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startTestBroker();
  kafka = new Kafka({ clientId: 'kjs-groups', brokers: broker.brokers, logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await broker?.stop();
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produce(topic: string, from: number, n: number): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
  await p.disconnect();
}

describe('kafkajs consumer groups against Strata', () => {
  it('rebalances a 3-member group when one member leaves', async () => {
    await broker.log.createTopic('default', 'kg-topic', { partitions: 6 });
    const seen = new Map<string, string>(); // value → member
    const assigned = new Map<string, number>(); // member → partitions
    const members: Consumer[] = [];
    for (let i = 0; i < 3; i++) {
      const c = kafka.consumer({ groupId: 'kg-3', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      c.on(c.events.GROUP_JOIN, (e) => assigned.set(`m${i}`, Object.values(e.payload.memberAssignment).flat().length));
      await c.connect();
      await c.subscribe({ topic: 'kg-topic', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }: EachMessagePayload) => void seen.set(message.value!.toString(), `m${i}`) });
      members.push(c);
    }
    await until(() => assigned.size === 3 && [...assigned.values()].reduce((a, b) => a + b, 0) === 6 && [...assigned.values()].every((n) => n === 2));
    await produce('kg-topic', 0, 60);
    await until(() => seen.size === 60);
    expect(new Set(seen.values()).size).toBe(3); // every member consumed something

    const before = broker.server.groups.describe('default', 'kg-3')!.generationId;
    assigned.clear();
    await members[2].disconnect(); // LeaveGroup
    await until(() => assigned.size === 2 && [...assigned.values()].reduce((a, b) => a + b, 0) === 6);
    const after = broker.server.groups.describe('default', 'kg-3')!;
    expect(after.generationId).toBeGreaterThan(before);
    expect(after.members).toHaveLength(2);
    expect(after.state).toBe('Stable');

    await produce('kg-topic', 60, 60);
    await until(() => seen.size === 120);
    const lateOwners = new Set([...seen].filter(([v]) => Number(v.slice(1)) >= 60).map(([, m]) => m));
    expect(lateOwners.has('m2')).toBe(false);
    await Promise.all(members.slice(0, 2).map((c) => c.disconnect()));
    expect(broker.server.groups.describe('default', 'kg-3')!.state).toBe('Empty');
  });

  it('commits offsets and a new member resumes from them', async () => {
    await broker.log.createTopic('default', 'kg-resume', { partitions: 2 });
    await produce('kg-resume', 0, 20);
    const got: string[] = [];
    const c1 = kafka.consumer({ groupId: 'kg-resume-g', maxWaitTimeInMs: 100 });
    await c1.connect();
    await c1.subscribe({ topic: 'kg-resume', fromBeginning: true });
    await c1.run({ autoCommitInterval: 50, eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await until(() => got.length === 20);
    await c1.disconnect(); // commits on the way out
    const committed = await broker.log.fetchOffsets('default', 'kg-resume-g');
    expect(committed.reduce((s, o) => s + o.offset, 0)).toBe(20);

    await produce('kg-resume', 20, 10);
    const resumed: string[] = [];
    const c2 = kafka.consumer({ groupId: 'kg-resume-g', maxWaitTimeInMs: 100 });
    await c2.connect();
    await c2.subscribe({ topic: 'kg-resume', fromBeginning: true });
    await c2.run({ eachMessage: async ({ message }) => void resumed.push(message.value!.toString()) });
    await until(() => resumed.length >= 10);
    await new Promise((r) => setTimeout(r, 300));
    await c2.disconnect();
    expect(resumed.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${20 + i}`).sort());
  });
});
