/**
 * ListOffsets (key 2), versions 1–7, flexible from 6. timestamp -2 = earliest, -1 = latest,
 * -3 = offset of the record with the largest timestamp (v7+, answered as latest - 1), else the first
 * offset whose timestamp ≥ the one asked.
 *
 *   ListOffsets Request => replica_id isolation_level(v2+) [topics]
 *     topics => name [partitions]
 *       partitions => partition_index current_leader_epoch(v4+) timestamp
 *   ListOffsets Response => throttle_time_ms(v2+) [topics]
 *     topics => name [partitions]
 *       partitions => partition_index error_code timestamp offset leader_epoch(v4+)
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const ListOffsets: ApiDef = {
  key: 2,
  name: 'ListOffsets',
  min: 1,
  max: 7,
  flexibleFrom: 6,
  request: [
    f('replicaId', 'int32'),
    f('isolationLevel', 'int8', '2+'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [f('partitionIndex', 'int32'), f('currentLeaderEpoch', 'int32', '4+', { default: -1 }), f('timestamp', 'int64')]),
    ]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('errorCode', 'int16'),
        f('timestamp', 'int64', '0+', { default: -1 }),
        f('offset', 'int64', '0+', { default: -1 }),
        f('leaderEpoch', 'int32', '4+', { default: -1 }),
      ]),
    ]),
  ],
};
