/**
 * OffsetFetch (key 9), versions 1–8, flexible from 6. v8 batches several groups in one request.
 *
 *   OffsetFetch Request (v1–7) => group_id [topics] require_stable(v7+)
 *     topics => name [partition_indexes]            (null = all committed, v2+)
 *   OffsetFetch Request (v8) => [groups] require_stable
 *     groups => group_id [topics]
 *   OffsetFetch Response (v1–7) => throttle_time_ms(v3+) [topics] error_code(v2+)
 *     topics => name [partitions]
 *       partitions => partition_index committed_offset committed_leader_epoch(v5+) metadata error_code
 *   OffsetFetch Response (v8) => throttle_time_ms [groups]
 *     groups => group_id [topics] error_code
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f, type Field } from '../codec/schema.js';

const reqTopics = (v: string): Field => arr('topics', [f('name', 'string'), arr('partitionIndexes', 'int32')], v);
const respTopics = (v: string): Field =>
  arr(
    'topics',
    [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('committedOffset', 'int64'),
        f('committedLeaderEpoch', 'int32', '5+', { default: -1 }),
        f('metadata', 'string'),
        f('errorCode', 'int16'),
      ]),
    ],
    v,
  );

export const OffsetFetch: ApiDef = {
  key: 9,
  name: 'OffsetFetch',
  min: 1,
  max: 8,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string', '0-7'),
    reqTopics('0-7'),
    arr('groups', [f('groupId', 'string'), reqTopics('0+')], '8+'),
    f('requireStable', 'bool', '7+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    respTopics('0-7'),
    f('errorCode', 'int16', '2-7'),
    arr('groups', [f('groupId', 'string'), respTopics('0+'), f('errorCode', 'int16')], '8+'),
  ],
};
