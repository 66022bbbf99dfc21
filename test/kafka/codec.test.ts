/**
 * Codec layer: primitives (classic and compact), tagged fields, and every API schema round-tripped at
 * every version it supports; bounds checks on lying lengths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../src/errors.js';
import { APIS } from '../../src/protocol/kafka/apis/index.js';
import { Fetch } from '../../src/protocol/kafka/apis/fetch.js';
import { isFlexible } from '../../src/protocol/kafka/codec/api.js';
import { Reader } from '../../src/protocol/kafka/codec/reader.js';
import { decodeRequest, encodeRequest } from '../../src/protocol/kafka/codec/request.js';
import { decodeStruct, encodeStruct } from '../../src/protocol/kafka/codec/schema.js';
import { Writer } from '../../src/protocol/kafka/codec/writer.js';

describe('Reader/Writer primitives', () => {
  it('round-trips varints, strings and bytes in classic and compact form', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.option(fc.string()), fc.option(fc.uint8Array()), fc.boolean(), (n, s, b, compact) => {
        const w = new Writer().varint(n).uvarint(Math.abs(n)).string(s, compact).bytes(b ? Buffer.from(b) : null, compact).int64(BigInt(n) * 3n);
        const r = new Reader(w.toBuffer());
        expect(r.varint()).toBe(n);
        expect(r.uvarint()).toBe(Math.abs(n));
        expect(r.string(compact)).toBe(s);
        const got = r.bytes(compact);
        expect(got === null ? null : [...got]).toEqual(b === null ? null : [...b]);
        expect(r.bigint64()).toBe(BigInt(n) * 3n);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  it('encodes compact lengths as N+1 and null as 0 (KIP-482)', () => {
    expect([...new Writer().string('ab', true).toBuffer()]).toEqual([3, 0x61, 0x62]);
    expect([...new Writer().string(null, true).toBuffer()]).toEqual([0]);
    expect([...new Writer().string(null, false).toBuffer()]).toEqual([0xff, 0xff]);
    expect([...new Writer().arrayLength(2, true).toBuffer()]).toEqual([3]);
    expect([...new Writer().uvarint(300).toBuffer()]).toEqual([0xac, 0x02]);
  });

  it('rejects lengths that point past the frame', () => {
    const lie = (b: number[]) => () => new Reader(Buffer.from(b)).string(false);
    expect(lie([0x00, 0x10, 0x61])).toThrow(/truncated/);
    try {
      new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(false);
      expect.unreachable();
    } catch (err) {
      expect(isStrataError(err, 'STRATA_ERR_INVALID_REQUEST')).toBe(true);
    }
  });

  it('skips unknown tagged fields and reads known ones', () => {
    const w = new Writer().taggedFields([
      [0, new Writer().string('cluster', true).toBuffer()],
      [7, Buffer.from([1, 2, 3])],
    ]);
    const tags: number[] = [];
    new Reader(w.toBuffer()).taggedFields((tag) => tags.push(tag));
    expect(tags).toEqual([0, 7]);
  });
});

describe('API schemas', () => {
  it('every API advertises a sane range; flexible ones agree with Kafka (KIP-482 table)', () => {
    const flexibleFrom = Object.fromEntries(APIS.map((a) => [a.name, a.flexibleFrom]));
    expect(flexibleFrom).toMatchObject({ Produce: 9, Fetch: 12, ListOffsets: 6, Metadata: 9, OffsetCommit: 8, OffsetFetch: 6, FindCoordinator: 3, JoinGroup: 6, Heartbeat: 4, LeaveGroup: 4, SyncGroup: 4, DescribeGroups: 5, ListGroups: 3, ApiVersions: 3, CreateTopics: 5, DeleteTopics: 4, InitProducerId: 2, DescribeConfigs: 4, SaslAuthenticate: 2, CreatePartitions: 2 });
    expect(APIS.find((a) => a.name === 'Produce')!.min).toBe(0); // librdkafka needs Produce v0 advertised
  });

  it('round-trips default-filled requests and responses at every supported version', () => {
    for (const api of APIS) {
      for (let v = api.min; v <= api.max; v++) {
        for (const schema of [api.request, api.response]) {
          const flexible = isFlexible(api, v);
          const w = new Writer();
          encodeStruct(w, schema, {}, v, flexible);
          const buf = w.toBuffer();
          const decoded = decodeStruct(new Reader(buf), schema, v, flexible);
          const again = new Writer();
          encodeStruct(again, schema, decoded, v, flexible);
          expect(again.toBuffer().equals(buf), `${api.name} v${v}`).toBe(true);
        }
      }
    }
  });

  it('decodes a Fetch v13 request by topic id and a v11 request by name', () => {
    const body = { maxWaitMs: 100, minBytes: 1, maxBytes: 1000, topics: [{ topic: 't', topicId: '00000000-0000-0000-0000-000000000001', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 100 }] }] };
    const v13 = decodeRequest(encodeRequest(Fetch, 13, 9, 'c', body).subarray(4));
    const v11 = decodeRequest(encodeRequest(Fetch, 11, 9, 'c', body).subarray(4));
    expect(v13.kind === 'ok' && v13.body.topics[0].topicId).toBe('00000000-0000-0000-0000-000000000001');
    expect(v13.kind === 'ok' && v13.body.topics[0].topic).toBe(null);
    expect(v11.kind === 'ok' && v11.body.topics[0].topic).toBe('t');
    expect(v11.kind === 'ok' && v11.body.topics[0].partitions[0].fetchOffset).toBe(5);
  });
});
