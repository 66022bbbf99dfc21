/**
 * Produce and consume over HTTP (docs/reference/http-api.md "Records").
 *
 * POST …/records  body: [{ key?, value, headers?, partition?, timestamp? }]
 *   key / value / header values: a UTF-8 string, {"base64": "…"}, or null.
 *   headers: [{ "key": "name", "value": … }] (order kept, duplicates allowed).
 *   partition: explicit; else murmur2(key) % partitions (Kafka's default partitioner); else round-robin.
 *   → 200 { "records": [{ "partition", "offset" }] } in request order, sent only once durable.
 * GET …/partitions/:p/records?offset=|timestamp=&max_bytes=&max_wait_ms=&max_records=&encoding=auto|base64
 *   (timestamp: start at the first record with timestamp ≥ it, ms since the epoch — replay from a time)
 *   → 200 { records: [{ offset, timestamp, key, value, headers }], next_offset, high_watermark, log_start_offset }
 */
import type { FastifyInstance } from 'fastify';
import { StrataError } from '../../errors.js';
import { partitionForKey } from '../../log/murmur2.js';
import type { RecordHeader, RecordInput, TopicLog } from '../../log/types.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import { admitHttpProduce } from './quotas.js';

type Bytes = string | { base64: string } | null;
interface HttpRecord {
  key?: Bytes;
  value: Bytes;
  headers?: Array<{ key: string; value: Bytes }>;
  partition?: number;
  timestamp?: number;
}

// Checked by toBuffer(), not by the schema: fastify's ajv coerces types (an anyOf would turn null into "")
// and its strict mode refuses union types.
const bytes = {} as const;
const produceBody = {
  type: 'array',
  minItems: 1,
  maxItems: 100_000,
  items: {
    type: 'object',
    required: ['value'],
    additionalProperties: false,
    properties: {
      key: bytes,
      value: bytes,
      partition: { type: 'integer', minimum: 0 },
      timestamp: { type: 'integer', minimum: 0 },
      headers: { type: 'array', items: { type: 'object', required: ['key', 'value'], additionalProperties: false, properties: { key: { type: 'string' }, value: bytes } } },
    },
  },
} as const;

function toBuffer(b: Bytes | undefined): Buffer | null {
  if (b === undefined || b === null) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  const keys = typeof b === 'object' && !Array.isArray(b) ? Object.keys(b) : [];
  if (keys.length !== 1 || keys[0] !== 'base64' || typeof b.base64 !== 'string') {
    throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'a key, value or header value must be a string, null or {"base64": "..."}');
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b.base64)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'invalid base64 value');
  return Buffer.from(b.base64, 'base64');
}

function fromBuffer(b: Buffer | null, base64: boolean): Bytes {
  if (b === null) return null;
  if (!base64) {
    const s = b.toString('utf8');
    if (Buffer.byteLength(s, 'utf8') === b.length && !s.includes('\uFFFD')) return s;
  }
  return { base64: b.toString('base64') };
}

export function registerRecordRoutes(app: FastifyInstance, log: TopicLog, quotas?: QuotaEnforcer): void {
  const roundRobin = new Map<string, number>();

  app.post<{ Params: { ns: string; topic: string }; Body: HttpRecord[] }>(
    '/v1/namespaces/:ns/topics/:topic/records',
    { schema: { body: produceBody } },
    async (request, reply) => {
      const { ns, topic } = request.params;
      const info = log.getTopic(ns, topic);
      if (!info) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${topic} does not exist`);
      const n = info.partitions.length;
      const groups = new Map<number, { records: RecordInput[]; index: number[] }>();
      request.body.forEach((r, i) => {
        const key = toBuffer(r.key);
        let partition = r.partition;
        if (partition === undefined) {
          if (key) partition = partitionForKey(key, n);
          else {
            const next = roundRobin.get(`${ns}/${topic}`) ?? 0;
            roundRobin.set(`${ns}/${topic}`, next + 1);
            partition = next % n;
          }
        }
        if (partition >= n) throw new StrataError('STRATA_ERR_PARTITION_NOT_FOUND', `partition ${partition} of ${ns}/${topic} does not exist (it has ${n})`);
        const headers: RecordHeader[] = (r.headers ?? []).map((h) => ({ key: h.key, value: toBuffer(h.value) }));
        let g = groups.get(partition);
        if (!g) groups.set(partition, (g = { records: [], index: [] }));
        g.records.push({ key, value: toBuffer(r.value), headers, timestamp: r.timestamp });
        g.index.push(i);
      });
      if (quotas) {
        let bytes = 0;
        for (const g of groups.values()) for (const r of g.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        admitHttpProduce(quotas, reply, ns, request.body.length, bytes); // 429 + Retry-After, or 507
      }
      const out: Array<{ partition: number; offset: number }> = new Array(request.body.length);
      await Promise.all(
        [...groups].map(async ([partition, g]) => {
          const res = await log.append(ns, topic, partition, g.records);
          g.index.forEach((i, j) => (out[i] = { partition, offset: res.baseOffset + j }));
        }),
      );
      return { records: out };
    },
  );

  app.get<{
    Params: { ns: string; topic: string; p: number };
    Querystring: { offset: number; timestamp?: number; max_bytes: number; max_wait_ms: number; max_records?: number; encoding: 'auto' | 'base64' };
  }>(
    '/v1/namespaces/:ns/topics/:topic/partitions/:p/records',
    {
      schema: {
        params: { type: 'object', required: ['ns', 'topic', 'p'], properties: { ns: { type: 'string' }, topic: { type: 'string' }, p: { type: 'integer', minimum: 0 } } },
        querystring: {
          type: 'object',
          properties: {
            offset: { type: 'integer', minimum: 0, default: 0 },
            timestamp: { type: 'integer', minimum: 0 },
            max_bytes: { type: 'integer', minimum: 1, maximum: 64 * 1024 * 1024, default: 1024 * 1024 },
            max_wait_ms: { type: 'integer', minimum: 0, maximum: 60_000, default: 0 },
            max_records: { type: 'integer', minimum: 1 },
            encoding: { type: 'string', enum: ['auto', 'base64'], default: 'auto' },
          },
        },
      },
    },
    async (request, reply) => {
      const { ns, topic, p } = request.params;
      const q = request.query;
      const ac = new AbortController();
      const onClose = (): void => ac.abort();
      // The response closing before we answered means the client went away: stop the long-poll.
      reply.raw.once('close', onClose);
      try {
        let from = q.offset;
        if (q.timestamp !== undefined) {
          const hit = await log.offsetForTimestamp(ns, topic, p, q.timestamp);
          from = hit?.offset ?? (log.getTopic(ns, topic)?.partitions.find((x) => x.partition === p)?.highWatermark ?? q.offset);
        }
        const r = await log.readRecords(ns, topic, p, from, { maxBytes: q.max_bytes, maxWaitMs: q.max_wait_ms, maxRecords: q.max_records, signal: ac.signal });
        const b64 = q.encoding === 'base64';
        return {
          records: r.records.map((x) => ({ offset: x.offset, timestamp: x.timestamp, key: fromBuffer(x.key, b64), value: fromBuffer(x.value, b64), headers: x.headers.map((h) => ({ key: h.key, value: fromBuffer(h.value, b64) })) })),
          next_offset: r.nextOffset,
          high_watermark: r.highWatermark,
          log_start_offset: r.logStartOffset,
        };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}
