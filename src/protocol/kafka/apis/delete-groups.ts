/**
 * DeleteGroups (key 42), versions 0–2, flexible from 2. Deletes a group's committed offsets; a group with
 * live members answers NON_EMPTY_GROUP, an unknown group GROUP_ID_NOT_FOUND.
 *
 *   DeleteGroups Request => [groups_names]
 *   DeleteGroups Response => throttle_time_ms [results]
 *     results => group_id error_code
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const DeleteGroups: ApiDef = {
  key: 42,
  name: 'DeleteGroups',
  min: 0,
  max: 2,
  flexibleFrom: 2,
  request: [arr('groupsNames', 'string')],
  response: [f('throttleTimeMs', 'int32'), arr('results', [f('groupId', 'string'), f('errorCode', 'int16')])],
};
