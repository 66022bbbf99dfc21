/**
 * SyncGroup (key 14), versions 0–5, flexible from 4.
 *
 *   SyncGroup Request => group_id generation_id member_id group_instance_id(v3+) protocol_type(v5+)
 *                        protocol_name(v5+) [assignments]
 *     assignments => member_id assignment
 *   SyncGroup Response => throttle_time_ms(v1+) error_code protocol_type(v5+) protocol_name(v5+) assignment
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const SyncGroup: ApiDef = {
  key: 14,
  name: 'SyncGroup',
  min: 0,
  max: 5,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32'),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '3+'),
    f('protocolType', 'string', '5+'),
    f('protocolName', 'string', '5+'),
    arr('assignments', [f('memberId', 'string'), f('assignment', 'bytes')]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    f('protocolType', 'string', '5+'),
    f('protocolName', 'string', '5+'),
    f('assignment', 'bytes', '0+', { default: Buffer.alloc(0) }),
  ],
};
