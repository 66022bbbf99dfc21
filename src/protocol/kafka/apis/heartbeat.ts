/**
 * Heartbeat (key 12), versions 0–4, flexible from 4.
 *
 *   Heartbeat Request => group_id generation_id member_id group_instance_id(v3+)
 *   Heartbeat Response => throttle_time_ms(v1+) error_code
 */
import type { ApiDef } from '../codec/api.js';
import { f } from '../codec/schema.js';

export const Heartbeat: ApiDef = {
  key: 12,
  name: 'Heartbeat',
  min: 0,
  max: 4,
  flexibleFrom: 4,
  request: [f('groupId', 'string'), f('generationId', 'int32'), f('memberId', 'string'), f('groupInstanceId', 'string', '3+')],
  response: [f('throttleTimeMs', 'int32', '1+'), f('errorCode', 'int16')],
};
