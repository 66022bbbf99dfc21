/**
 * CreatePartitions (key 37), versions 0–3, flexible from 2.
 *
 *   CreatePartitions Request => [topics] timeout_ms validate_only
 *     topics => name count [assignments]
 *       assignments => [broker_ids]
 *   CreatePartitions Response => throttle_time_ms [results]
 *     results => name error_code error_message
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const CreatePartitions: ApiDef = {
  key: 37,
  name: 'CreatePartitions',
  min: 0,
  max: 3,
  flexibleFrom: 2,
  request: [
    arr('topics', [f('name', 'string'), f('count', 'int32'), arr('assignments', [arr('brokerIds', 'int32')])]),
    f('timeoutMs', 'int32'),
    f('validateOnly', 'bool'),
  ],
  response: [f('throttleTimeMs', 'int32'), arr('results', [f('name', 'string'), f('errorCode', 'int16'), f('errorMessage', 'string')])],
};
