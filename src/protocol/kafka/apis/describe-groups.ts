/**
 * DescribeGroups (key 15), versions 0–5, flexible from 5.
 *
 *   DescribeGroups Request => [groups] include_authorized_operations(v3+)
 *   DescribeGroups Response => throttle_time_ms(v1+) [groups]
 *     groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations(v3+)
 *       members => member_id group_instance_id(v4+) client_id client_host member_metadata member_assignment
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const DescribeGroups: ApiDef = {
  key: 15,
  name: 'DescribeGroups',
  min: 0,
  max: 5,
  flexibleFrom: 5,
  request: [arr('groups', 'string'), f('includeAuthorizedOperations', 'bool', '3+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    arr('groups', [
      f('errorCode', 'int16'),
      f('groupId', 'string'),
      f('groupState', 'string'),
      f('protocolType', 'string', '0+', { default: '' }),
      f('protocolData', 'string', '0+', { default: '' }),
      arr('members', [
        f('memberId', 'string'),
        f('groupInstanceId', 'string', '4+'),
        f('clientId', 'string'),
        f('clientHost', 'string'),
        f('memberMetadata', 'bytes'),
        f('memberAssignment', 'bytes'),
      ]),
      f('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
    ]),
  ],
};
