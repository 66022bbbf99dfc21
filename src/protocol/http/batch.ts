/**
 * Batch reads for training (docs/reference/http-api.md "Batch reads", docs/reference/batch-format.md):
 *   GET /v1/namespaces/:ns/topics/:topic/partitions/:p/batch?offset=&max_records=&max_bytes=&format=arrow|raw
 *       → one body with many records; X-Strata-Next-Offset, X-Strata-High-Watermark, X-Strata-Record-Count
 *   GET /v1/namespaces/:ns/topics/:topic/epoch-batches?seed=&epoch=&rank=&world_size=&batch_size=&position=&records=&format=
 *       → batch `position` of the rank's share of the epoch; X-Strata-Next-Position (-1 = done),
 *         X-Strata-Epoch-Records (pass back as records= to pin the order), X-Strata-Rank-Records, X-Strata-Batches;
 *       skip_changed=true leaves out records whose mounted source object changed (X-Strata-Skipped lists them);
 *       shuffle_block=B (records, 0 = global shuffle) & shuffle_window=W: the block shuffle (permutation.ts)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { encodeArrow } from '../../broker/batch/arrow.js';
import { DEFAULT_SHUFFLE_WINDOW } from '../../broker/batch/epoch.js';
import { FramePool } from '../../broker/batch/frame-pool.js';
import { encodeRawFrame } from '../../broker/batch/raw-frame.js';
import type { BatchService } from '../../broker/batch/service.js';
import { BATCH_FORMATS, type BatchFormat, type BatchRecord } from '../../broker/batch/types.js';

export interface BatchRouteDeps {
  batches: BatchService;
}

export const CONTENT_TYPES: Record<BatchFormat, string> = {
  arrow: 'application/vnd.apache.arrow.stream',
  raw: 'application/vnd.strata.batch',
};

const int = (min: number, extra: Record<string, unknown> = {}) => ({ type: 'integer', minimum: min, ...extra }) as const;
const format = { type: 'string', enum: [...BATCH_FORMATS], default: 'raw' } as const;

/**
 * Encodes (copies) the records into the response body, then calls `release` (records that are views of leased
 * cache blocks). A raw frame's memory comes from the pool and goes back to it once the response is written.
 */
function send(reply: FastifyReply, frames: FramePool, fmt: BatchFormat, read: { records: BatchRecord[]; release?: () => void }, next: number): FastifyReply {
  let body: Buffer;
  try {
    if (fmt === 'arrow') body = Buffer.from(encodeArrow(read.records, next));
    else {
      const frame = (body = encodeRawFrame(read.records, next, frames.take));
      reply.raw.once('finish', () => frames.give(frame));
    }
  } finally {
    read.release?.();
  }
  return reply.header('content-type', CONTENT_TYPES[fmt]).header('x-strata-record-count', String(read.records.length)).send(body);
}

export function registerBatchRoutes(app: FastifyInstance, deps: BatchRouteDeps): void {
  const frames = new FramePool();
  app.get<{
    Params: { ns: string; topic: string; p: number };
    Querystring: { offset: number; max_records: number; max_bytes: number; format: BatchFormat };
  }>(
    '/v1/namespaces/:ns/topics/:topic/partitions/:p/batch',
    {
      schema: {
       
        params: { type: 'object', required: ['ns', 'topic', 'p'], properties: { ns: { type: 'string' }, topic: { type: 'string' }, p: int(0) } },
        querystring: {
          type: 'object',
          properties: { offset: int(0, { default: 0 }), max_records: int(1, { default: 1000, maximum: 1_000_000 }), max_bytes: int(1, { default: 8 * 1024 * 1024, maximum: 1024 * 1024 * 1024 }), format },
        },
      },
    },
    async (request, reply) => {
      const { ns, topic, p } = request.params;
      const q = request.query;
      const r = await deps.batches.readRange(ns, topic, p, q.offset, q.max_records, q.max_bytes, true);
      reply.header('x-strata-next-offset', String(r.nextOffset)).header('x-strata-high-watermark', String(r.highWatermark));
      return send(reply, frames, q.format, r, r.nextOffset);
    },
  );

  app.get<{
    Params: { ns: string; topic: string };
    Querystring: {
      seed: string;
      epoch: number;
      rank: number;
      world_size: number;
      batch_size: number;
      position: number;
      records?: number;
      skip_changed: boolean;
      shuffle_block: number;
      shuffle_window: number;
      format: BatchFormat;
    };
  }>(
    '/v1/namespaces/:ns/topics/:topic/epoch-batches',
    {
      schema: {
       
        params: { type: 'object', required: ['ns', 'topic'], properties: { ns: { type: 'string' }, topic: { type: 'string' } } },
        querystring: {
          type: 'object',
          properties: {
            seed: { type: 'string', default: '0', maxLength: 200 },
            epoch: int(0, { default: 0 }),
            rank: int(0, { default: 0 }),
            world_size: int(1, { default: 1 }),
            batch_size: int(1, { default: 256, maximum: 1_000_000 }),
            position: int(0, { default: 0 }),
            records: int(0),
            skip_changed: { type: 'boolean', default: false },
            shuffle_block: int(0, { default: 0 }),
            shuffle_window: int(1, { default: DEFAULT_SHUFFLE_WINDOW, maximum: 1_000_000 }),
            format,
          },
        },
      },
    },
    async (request, reply) => {
      const { ns, topic } = request.params;
      const q = request.query;
      const params = { seed: q.seed, epoch: q.epoch, rank: q.rank, worldSize: q.world_size, batchSize: q.batch_size, shuffleBlock: q.shuffle_block, shuffleWindow: q.shuffle_window };
      const r = await deps.batches.epochBatch(ns, topic, params, q.position, q.records, q.skip_changed);
      if (r.skipped.length > 0) reply.header('x-strata-skipped', r.skipped.join(','));
      reply
        .header('x-strata-next-position', String(r.nextPosition))
        .header('x-strata-epoch-records', String(r.plan.total))
        .header('x-strata-rank-records', String(r.plan.perRank))
        .header('x-strata-batches', String(r.plan.batches));
      return send(reply, frames, q.format, r, -1);
    },
  );
}
