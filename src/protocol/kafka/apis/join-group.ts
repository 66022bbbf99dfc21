/**
 * JoinGroup (key 11), versions 0–9, flexible from 6.
 *
 *   JoinGroup Request => group_id session_timeout_ms rebalance_timeout_ms(v1+) member_id group_instance_id(v5+)
 *                        protocol_type [protocols] reason(v8+)
 *     protocols => name metadata
 *   JoinGroup Response => throttle_time_ms(v2+) error_code generation_id protocol_type(v7+) protocol_name
 *                         leader skip_assignment(v9+) member_id [members]
 *     members => member_id group_instance_id(v5+) metadata
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const JoinGroup: ApiDef = {
  key: 11,
  name: 'JoinGroup',
  min: 0,
  max: 9,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string'),
    f('sessionTimeoutMs', 'int32'),
    f('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '5+'),
    f('protocolType', 'string'),
    arr('protocols', [f('name', 'string'), f('metadata', 'bytes')]),
    f('reason', 'string', '8+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    f('errorCode', 'int16'),
    f('generationId', 'int32', '0+', { default: -1 }),
    f('protocolType', 'string', '7+'),
    f('protocolName', 'string'),
    f('leader', 'string', '0+', { default: '' }),
    f('skipAssignment', 'bool', '9+'),
    f('memberId', 'string', '0+', { default: '' }),
    arr('members', [f('memberId', 'string'), f('groupInstanceId', 'string', '5+'), f('metadata', 'bytes')]),
  ],
};
