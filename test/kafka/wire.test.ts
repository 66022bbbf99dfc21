/**
 * The wire layer over real sockets with exact bytes: ApiVersions (incl. the KIP-511 fallback), pipelined
 * requests answered in order, acks=0, idempotent produce dedupe and gap detection, and every kind of
 * malformed input (unknown key, oversize/short sizes, garbage bodies, fuzzed frames): the offending
 * connection is answered or closed, and the broker keeps serving a second client.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/log/record-batch.js';
import { APIS } from '../../src/protocol/kafka/apis/index.js';
import { ApiVersions } from '../../src/protocol/kafka/apis/api-versions.js';
import { Fetch } from '../../src/protocol/kafka/apis/fetch.js';
import { InitProducerId } from '../../src/protocol/kafka/apis/init-producer-id.js';
import { Metadata } from '../../src/protocol/kafka/apis/metadata.js';
import { Produce } from '../../src/protocol/kafka/apis/produce.js';
import { SaslAuthenticate, SaslHandshake } from '../../src/protocol/kafka/apis/sasl.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/kafka/codec/request.js';
import { KafkaError } from '../../src/protocol/kafka/error-codes.js';
import type { Handler } from '../../src/protocol/kafka/handlers/context.js';
import { HANDLERS } from '../../src/protocol/kafka/handlers/index.js';
import { RawClient } from './support/raw-client.js';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;

function* decodeBatches(records: Buffer | null): Generator<Buffer> {
  for (let pos = 0; records && pos < records.length; ) {
    const size = 12 + records.readInt32BE(pos + 8);
    yield records.subarray(pos, pos + size);
    pos += size;
  }
}
beforeAll(async () => {
  broker = await startTestBroker({ maxRequestBytes: 1024 * 1024 });
  await broker.log.createTopic('default', 'wire', { partitions: 1 });
});
afterAll(async () => {
  await broker?.stop();
});

async function stillServes(): Promise<void> {
  const c = await RawClient.open(broker.port);
  const r = await c.request(ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  expect(r.errorCode).toBe(0);
  c.close();
}

const produceBody = (records: Buffer, acks = -1) => ({ transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: 'wire', partitionData: [{ index: 0, records }] }] });

describe('Kafka wire protocol', () => {
  it('ApiVersions lists exactly the implemented APIs and versions', async () => {
    const c = await RawClient.open(broker.port);
    for (const v of [0, 3]) {
      const r = await c.request(ApiVersions, v, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      expect(r.errorCode).toBe(0);
      expect(r.apiKeys).toEqual(APIS.map((a) => ({ apiKey: a.key, minVersion: a.min, maxVersion: a.max })));
    }
    c.close();
  });

  it('answers an unknown ApiVersions version with UNSUPPORTED_VERSION in a v0 response (KIP-511)', async () => {
    const c = await RawClient.open(broker.port);
    c.write(encodeRequest({ ...ApiVersions, max: 99 }, 42, 7, 'future', {}));
    const r = decodeResponse(ApiVersions, 0, await c.frame());
    expect(r.correlationId).toBe(7);
    expect(r.body.errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect(r.body.apiKeys.length).toBe(APIS.length);
    c.close();
  });

  it('answers pipelined requests in order, whatever order they finish in', async () => {
    const c = await RawClient.open(broker.port);
    const hwm = broker.log.getTopic('default', 'wire')!.partitions[0].highWatermark;
    const slowFetch = { maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'wire', partitions: [{ partition: 0, fetchOffset: hwm, partitionMaxBytes: 1 << 20 }] }] };
    c.write(Buffer.concat([encodeRequest(Fetch, 11, 1, 'p', slowFetch), encodeRequest(ApiVersions, 2, 2, 'p', {}), encodeRequest(Metadata, 12, 3, 'p', { topics: null })]));
    const started = Date.now();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await c.frame()).readInt32BE(0));
    expect(ids).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    c.close();
  });

  it('applies max_bytes and partition_max_bytes, returning the first batch whole (KIP-74)', async () => {
    await broker.log.createTopic('default', 'limits', { partitions: 2 });
    for (const p of [0, 1]) for (let i = 0; i < 3; i++) await broker.log.append('default', 'limits', p, [{ value: Buffer.alloc(1000, i) }]);
    const c = await RawClient.open(broker.port);
    const fetch = async (maxBytes: number, partitionMaxBytes: number) => {
      const r = await c.request(Fetch, 11, { maxWaitMs: 0, minBytes: 1, maxBytes, topics: [{ topic: 'limits', partitions: [0, 1].map((partition) => ({ partition, fetchOffset: 0, partitionMaxBytes })) }] });
      return (r.responses[0].partitions as Array<{ records: Buffer | null }>).map((p) => [...decodeBatches(p.records)].length);
    };
    expect(await fetch(1, 1)).toEqual([1, 0]); // limits below one batch: still one batch, then nothing
    const one = (await broker.log.read('default', 'limits', 0, 0, { maxBytes: 1 })).batches[0].length;
    expect(await fetch(1 << 20, Math.floor(2.5 * one))).toEqual([2, 2]);
    expect(await fetch(Math.floor(3.5 * one), 1 << 20)).toEqual([3, 0]);
    c.close();
  });

  it('sends nothing for acks=0 and still appends', async () => {
    const c = await RawClient.open(broker.port);
    const before = broker.log.getTopic('default', 'wire')!.partitions[0].highWatermark;
    c.write(encodeRequest(Produce, 9, 50, 'p', produceBody(await encodeBatch([{ value: Buffer.from('fire') }]), 0)));
    c.write(encodeRequest(ApiVersions, 3, 51, 'p', { clientSoftwareName: 'a', clientSoftwareVersion: 'b' }));
    expect((await c.frame()).readInt32BE(0)).toBe(51);
    await expect.poll(() => broker.log.getTopic('default', 'wire')!.partitions[0].highWatermark).toBe(before + 1);
    c.close();
  });

  it('drops duplicate idempotent batches and rejects sequence gaps', async () => {
    const c = await RawClient.open(broker.port);
    const id = await c.request(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 1000 });
    expect(id.errorCode).toBe(0);
    const batch = (seq: number, n: number) =>
      encodeBatch(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`i${seq + i}`) })), { producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence: seq });
    const first = await c.request(Produce, 9, produceBody(await batch(0, 3)));
    const again = await c.request(Produce, 9, produceBody(await batch(0, 3))); // a retry of the same batch
    const p0 = first.responses[0].partitionResponses[0];
    const p1 = again.responses[0].partitionResponses[0];
    expect(p0.errorCode).toBe(0);
    expect(p1.errorCode).toBe(0);
    expect(p1.baseOffset).toBe(p0.baseOffset);
    expect(broker.log.getTopic('default', 'wire')!.partitions[0].highWatermark).toBe(p0.baseOffset + 3);
    const gap = await c.request(Produce, 9, produceBody(await batch(10, 1)));
    expect(gap.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    c.close();
  });

  it('refuses old message formats and corrupt batches per partition', async () => {
    const c = await RawClient.open(broker.port);
    const v2 = await encodeBatch([{ value: Buffer.from('x') }]);
    const magic1 = Buffer.from(v2);
    magic1[16] = 1;
    const badCrc = Buffer.from(v2);
    badCrc[badCrc.length - 1] ^= 0xff;
    const r1 = await c.request(Produce, 7, produceBody(magic1));
    expect(r1.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    const r2 = await c.request(Produce, 7, produceBody(badCrc));
    expect(r2.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.CORRUPT_MESSAGE);
    c.close();
  });

  const closes: Array<[string, Buffer]> = [
    ['an unknown api key', encodeRequest({ ...ApiVersions, key: 999, max: 0 }, 0, 1, 'x', {})],
    ['an unsupported version of a known api', encodeRequest({ ...Fetch, min: 0 }, 0, 1, 'x', { topics: [] })],
    ['an oversize length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
    ['a negative length', Buffer.from([0xff, 0xff, 0xff, 0xf0])],
    ['a frame shorter than a header', Buffer.from([0, 0, 0, 2, 0, 1])],
    ['a truncated body', Buffer.from([0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 1, 0, 50])],
  ];
  for (const [what, bytes] of closes) {
    it(`closes the connection cleanly on ${what} and keeps serving others`, async () => {
      const c = await RawClient.open(broker.port);
      c.write(bytes);
      await c.whenClosed();
      await stillServes();
    });
  }

  it('with SASL required: allows ApiVersions, closes on other requests and on large frames before login', async () => {
    const sasl = await startTestBroker({ saslRequired: true, authenticate: async () => ({}) });
    try {
      const c = await RawClient.open(sasl.port);
      expect((await c.request(ApiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' })).errorCode).toBe(0);
      c.write(encodeRequest(Metadata, 12, 2, 'x', { topics: null }));
      await c.whenClosed();
      const big = await RawClient.open(sasl.port);
      const header = Buffer.alloc(4);
      header.writeInt32BE(600 * 1024);
      big.write(header);
      await big.whenClosed();
    } finally {
      await sasl.stop();
    }
  });

  it('a response that cannot be encoded closes that connection only, with no unhandled rejection', async () => {
    const handlers = HANDLERS as Map<number, Handler>;
    const original = handlers.get(Metadata.key)!;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    handlers.set(Metadata.key, () => ({ throttleTimeMs: 2 ** 40, brokers: [], topics: [] }));
    try {
      const c = await RawClient.open(broker.port);
      c.write(encodeRequest(Metadata, 12, 1, 'x', { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
      await c.whenClosed(2000);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      handlers.set(Metadata.key, original);
      process.off('unhandledRejection', onUnhandled);
    }
    await stillServes();
  });

  it('closes a connection idle longer than idleMs', async () => {
    const idle = await startTestBroker({ idleMs: 150 });
    try {
      const c = await RawClient.open(idle.port);
      expect((await c.request(ApiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' })).errorCode).toBe(0);
      await c.whenClosed(2000);
    } finally {
      await idle.stop();
    }
  });

  it('with SASL: a failed SaslAuthenticate is answered, then the connection closes', async () => {
    const sasl = await startTestBroker({ saslRequired: true, authenticate: async (_m, user, password) => (user === 'alice' && password === 'secret' ? {} : undefined) });
    try {
      const c = await RawClient.open(sasl.port);
      expect((await c.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      const r = await c.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000guess') });
      expect(r.errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
      await c.whenClosed();
      const ok = await RawClient.open(sasl.port);
      expect((await ok.request(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      expect((await ok.request(SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000secret') })).errorCode).toBe(0);
      expect((await ok.request(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })).brokers).toHaveLength(1);
      ok.close();
    } finally {
      await sasl.stop();
    }
  });

  it('survives fuzzed frames: every one is answered or closed, never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -1, max: 20 }), fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 5 }), async (key, version, body, pieces) => {
        const header = Buffer.alloc(10);
        header.writeInt16BE(key, 0);
        header.writeInt16BE(version, 2);
        header.writeInt32BE(77, 4);
        header.writeInt16BE(-1, 8);
        const frame = Buffer.concat([Buffer.alloc(4), header, Buffer.from(body)]);
        frame.writeInt32BE(frame.length - 4, 0);
        const c = await RawClient.open(broker.port);
        // split across several writes, as undici's fuzzers do
        const step = Math.ceil(frame.length / pieces);
        for (let i = 0; i < frame.length; i += step) c.write(frame.subarray(i, i + step));
        const outcome = await Promise.race([c.frame(3000).then(() => 'answered'), c.whenClosed(3000).then(() => 'closed')]);
        expect(['answered', 'closed']).toContain(outcome);
        c.close();
      }),
      { numRuns: 150 },
    );
    await stillServes();
  });
});
