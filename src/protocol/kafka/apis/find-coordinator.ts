/**
 * FindCoordinator (key 10), versions 0–4, flexible from 3. Strata is its own coordinator for every group
 * and transactional id.
 *
 *   FindCoordinator Request => key(v0–3) key_type(v1+) [coordinator_keys](v4+)
 *   FindCoordinator Response (v0–3) => throttle_time_ms(v1+) error_code error_message(v1+) node_id host port
 *   FindCoordinator Response (v4+) => throttle_time_ms [coordinators]
 *     coordinators => key node_id host port error_code error_message
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const FindCoordinator: ApiDef = {
  key: 10,
  name: 'FindCoordinator',
  min: 0,
  max: 4,
  flexibleFrom: 3,
  request: [f('key', 'string', '0-3'), f('keyType', 'int8', '1+'), arr('coordinatorKeys', 'string', '4+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16', '0-3'),
    f('errorMessage', 'string', '1-3'),
    f('nodeId', 'int32', '0-3'),
    f('host', 'string', '0-3'),
    f('port', 'int32', '0-3'),
    arr(
      'coordinators',
      [f('key', 'string'), f('nodeId', 'int32'), f('host', 'string'), f('port', 'int32'), f('errorCode', 'int16'), f('errorMessage', 'string')],
      '4+',
    ),
  ],
};
