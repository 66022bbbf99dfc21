/**
 * InitProducerId: a fresh, durable producer id for idempotent producers (TopicLog.initProducerId).
 * Transactions are not supported: a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 */
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

export async function handleInitProducerId(req: Msg, _version: number, _conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  if (req.transactionalId !== null && req.transactionalId !== '') {
    return { throttleTimeMs: 0, errorCode: KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
  }
  try {
    const id = await ctx.log.initProducerId();
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, producerId: id.producerId, producerEpoch: id.producerEpoch };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorOf(err), producerId: -1n, producerEpoch: -1 };
  }
}
