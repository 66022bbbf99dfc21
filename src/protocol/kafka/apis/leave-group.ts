/**
 * LeaveGroup (key 13), versions 0–5, flexible from 4.
 *
 *   LeaveGroup Request => group_id member_id(v0–2) [members](v3+)
 *     members => member_id group_instance_id reason(v5+)
 *   LeaveGroup Response => throttle_time_ms(v1+) error_code [members](v3+)
 *     members => member_id group_instance_id error_code
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const LeaveGroup: ApiDef = {
  key: 13,
  name: 'LeaveGroup',
  min: 0,
  max: 5,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('memberId', 'string', '0-2'),
    arr('members', [f('memberId', 'string'), f('groupInstanceId', 'string'), f('reason', 'string', '5+')], '3+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    arr('members', [f('memberId', 'string'), f('groupInstanceId', 'string'), f('errorCode', 'int16')], '3+'),
  ],
};
