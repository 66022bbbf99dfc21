/**
 * ListGroups (key 16), versions 0–4, flexible from 3.
 *
 *   ListGroups Request => [states_filter](v4+)
 *   ListGroups Response => throttle_time_ms(v1+) error_code [groups]
 *     groups => group_id protocol_type group_state(v4+)
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const ListGroups: ApiDef = {
  key: 16,
  name: 'ListGroups',
  min: 0,
  max: 4,
  flexibleFrom: 3,
  request: [arr('statesFilter', 'string', '4+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    arr('groups', [f('groupId', 'string'), f('protocolType', 'string', '0+', { default: '' }), f('groupState', 'string', '4+')]),
  ],
};
