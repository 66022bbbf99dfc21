/**
 * Produce (key 0), versions 0–11, flexible from 9. Only RecordBatch v2 (magic 2) payloads are accepted;
 * v0–2 are advertised because librdkafka turns compression off when Produce v0 is missing, but a magic 0/1
 * message set is answered with UNSUPPORTED_FOR_MESSAGE_FORMAT.
 *
 *   Produce Request => transactional_id(v3+) acks timeout_ms [topic_data]
 *     topic_data => name [partition_data]
 *       partition_data => index records
 *   Produce Response => [responses] throttle_time_ms(v1+)
 *     responses => name [partition_responses]
 *       partition_responses => index error_code base_offset log_append_time_ms(v2+) log_start_offset(v5+)
 *                              [record_errors](v8+) error_message(v8+)
 *         record_errors => batch_index batch_index_error_message
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const Produce: ApiDef = {
  key: 0,
  name: 'Produce',
  min: 0,
  max: 11,
  flexibleFrom: 9,
  request: [
    f('transactionalId', 'string', '3+'),
    f('acks', 'int16'),
    f('timeoutMs', 'int32'),
    arr('topicData', [f('name', 'string'), arr('partitionData', [f('index', 'int32'), f('records', 'bytes')])]),
  ],
  response: [
    arr('responses', [
      f('name', 'string'),
      arr('partitionResponses', [
        f('index', 'int32'),
        f('errorCode', 'int16'),
        f('baseOffset', 'int64'),
        f('logAppendTimeMs', 'int64', '2+', { default: -1 }),
        f('logStartOffset', 'int64', '5+'),
        arr('recordErrors', [f('batchIndex', 'int32'), f('batchIndexErrorMessage', 'string')], '8+'),
        f('errorMessage', 'string', '8+'),
      ]),
    ]),
    f('throttleTimeMs', 'int32', '1+'),
  ],
};
