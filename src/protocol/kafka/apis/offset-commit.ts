/**
 * OffsetCommit (key 8), versions 0–9, flexible from 8. Offsets are stored through TopicLog.commitOffsets.
 *
 *   OffsetCommit Request => group_id generation_id(v1+) member_id(v1+) group_instance_id(v7+)
 *                           retention_time_ms(v2–4) [topics]
 *     topics => name [partitions]
 *       partitions => partition_index committed_offset committed_leader_epoch(v6+) commit_timestamp(v1)
 *                     committed_metadata
 *   OffsetCommit Response => throttle_time_ms(v3+) [topics]
 *     topics => name [partitions]
 *       partitions => partition_index error_code
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const OffsetCommit: ApiDef = {
  key: 8,
  name: 'OffsetCommit',
  min: 0,
  max: 9,
  flexibleFrom: 8,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32', '1+', { default: -1 }),
    f('memberId', 'string', '1+', { default: '' }),
    f('groupInstanceId', 'string', '7+'),
    f('retentionTimeMs', 'int64', '2-4', { default: -1 }),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('committedOffset', 'int64'),
        f('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
        f('commitTimestamp', 'int64', '1', { default: -1 }),
        f('committedMetadata', 'string'),
      ]),
    ]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('errorCode', 'int16')])]),
  ],
};
