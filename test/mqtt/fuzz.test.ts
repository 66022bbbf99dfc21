/**
 * Malformed input, fuzzed with fast-check and split across writes: the offending client is closed
 * (with an error reason when it gets a DISCONNECT), nothing throws, and the broker keeps serving others.
 */
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, sleep, type TestBroker } from './helpers.js';
import { connectPacket, rawClient } from './raw.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startBroker({ server: { limits: { maxPacketSize: 4096, connectTimeoutMs: 500 } } });
});
afterAll(async () => {
  await tb.close();
});

const valid = (v: 4 | 5): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.record({ topic: fc.stringMatching(/^[a-z/]{1,12}$/), payload: fc.uint8Array({ maxLength: 64 }), qos: fc.constantFrom(0, 1, 2) }).map(({ topic, payload, qos }) =>
      mqtt.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: qos as 0 | 1 | 2, messageId: qos ? 1 : undefined, retain: false, dup: false }, { protocolVersion: v }),
    ),
    fc.stringMatching(/^[a-z/+#]{1,10}$/).map((topic) => mqtt.generate({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic, qos: 1 }] }, { protocolVersion: v })),
    fc.constant(mqtt.generate({ cmd: 'pingreq' }, { protocolVersion: v })),
  );

const noise = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a));

/** Splits a buffer at random points. */
const split = (buf: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out.filter((b) => b.length > 0);
};

async function healthy(): Promise<void> {
  const c = rawClient(tb.server, 4);
  c.send(connectPacket('health', 4));
  await c.next('connack');
  c.send({ cmd: 'pingreq' });
  await c.next('pingresp');
  c.end();
}

describe.each([4, 5] as const)('fuzz (protocol %i)', (v) => {
  it('valid and garbage packets, split anywhere: errors close only the offender, with an error reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(valid(v), noise), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), async (parts, cuts) => {
        const c = rawClient(tb.server, v);
        const stream = Buffer.concat([mqtt.generate(connectPacket(`fz${v}`, v), { protocolVersion: v }), ...parts]);
        for (const chunk of split(stream, cuts)) {
          c.send(chunk);
          await new Promise((r) => setImmediate(r));
        }
        await sleep(5);
        for (const p of c.packets) if (p.cmd === 'disconnect') {
          expect(p.reasonCode ?? 0).toBeGreaterThanOrEqual(0x80);
          expect(p.reasonCode).not.toBe(0x83); // 0x83 = a handler threw
        }
        c.end();
      }),
      { numRuns: 150, seed: 42 },
    );
    await healthy();
  }, 60_000);

  it('random bytes before CONNECT never get past the CONNECT gate', async () => {
    await fc.assert(
      fc.asyncProperty(noise, async (bytes) => {
        const c = rawClient(tb.server, v);
        c.send(bytes);
        await sleep(2);
        expect(c.packets.filter((p) => p.cmd !== 'connack').length).toBe(0);
        c.end();
      }),
      { numRuns: 100, seed: 7 },
    );
    await healthy();
  }, 60_000);
});
