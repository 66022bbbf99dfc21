/**
 * InitProducerId (key 22), versions 0–4, flexible from 2. Transactions are not supported: a non-null
 * transactional_id is answered with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53).
 *
 *   InitProducerId Request => transactional_id transaction_timeout_ms producer_id(v3+) producer_epoch(v3+)
 *   InitProducerId Response => throttle_time_ms error_code producer_id producer_epoch
 */
import type { ApiDef } from '../codec/api.js';
import { f } from '../codec/schema.js';

export const InitProducerId: ApiDef = {
  key: 22,
  name: 'InitProducerId',
  min: 0,
  max: 4,
  flexibleFrom: 2,
  request: [
    f('transactionalId', 'string'),
    f('transactionTimeoutMs', 'int32'),
    f('producerId', 'bigint64', '3+', { default: -1n }),
    f('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [f('throttleTimeMs', 'int32'), f('errorCode', 'int16'), f('producerId', 'bigint64', '0+', { default: -1n }), f('producerEpoch', 'int16', '0+', { default: -1 })],
};
