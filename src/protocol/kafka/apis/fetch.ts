/**
 * Fetch (key 1), versions 4–17, flexible from 12; v13+ names topics by topic id (UUID). Records are the stored RecordBatch v2 bytes, concatenated
 * and written by reference (never re-encoded). Fetch sessions (KIP-227) are not kept: session_id 0 in the
 * response tells the client to send full requests.
 *
 *   Fetch Request => replica_id(v0–14) max_wait_ms min_bytes max_bytes(v3+) isolation_level(v4+) session_id(v7+)
 *                    session_epoch(v7+) [topics] [forgotten_topics_data](v7+) rack_id(v11+)
 *     topics => topic(v0–12) topic_id(v13+) [partitions]
 *       partitions => partition current_leader_epoch(v9+) fetch_offset last_fetched_epoch(v12+)
 *                     log_start_offset(v5+) partition_max_bytes
 *     forgotten_topics_data => topic(v7–12) topic_id(v13+) [partitions]
 *   Fetch Response => throttle_time_ms(v1+) error_code(v7+) session_id(v7+) [responses]
 *     responses => topic(v0–12) topic_id(v13+) [partitions]
 *       partitions => partition_index error_code high_watermark last_stable_offset(v4+) log_start_offset(v5+)
 *                     [aborted_transactions](v4+) preferred_read_replica(v11+) records
 *         aborted_transactions => producer_id first_offset
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const Fetch: ApiDef = {
  key: 1,
  name: 'Fetch',
  min: 4,
  max: 17,
  flexibleFrom: 12,
  request: [
    f('replicaId', 'int32', '0-14', { default: -1 }),
    f('maxWaitMs', 'int32'),
    f('minBytes', 'int32'),
    f('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    f('isolationLevel', 'int8', '4+'),
    f('sessionId', 'int32', '7+'),
    f('sessionEpoch', 'int32', '7+', { default: -1 }),
    arr('topics', [
      f('topic', 'string', '0-12'),
      f('topicId', 'uuid', '13+'),
      arr('partitions', [
        f('partition', 'int32'),
        f('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
        f('fetchOffset', 'int64'),
        f('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
        f('logStartOffset', 'int64', '5+', { default: -1 }),
        f('partitionMaxBytes', 'int32'),
      ]),
    ]),
    arr('forgottenTopicsData', [f('topic', 'string', '7-12'), f('topicId', 'uuid', '13+'), arr('partitions', 'int32')], '7+'),
    f('rackId', 'string', '11+'),
    f('clusterId', 'string', '12+', { tag: 0 }),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16', '7+'),
    f('sessionId', 'int32', '7+'),
    arr('responses', [
      f('topic', 'string', '0-12'),
      f('topicId', 'uuid', '13+'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('errorCode', 'int16'),
        f('highWatermark', 'int64'),
        f('lastStableOffset', 'int64', '4+', { default: -1 }),
        f('logStartOffset', 'int64', '5+', { default: -1 }),
        arr('abortedTransactions', [f('producerId', 'int64'), f('firstOffset', 'int64')], '4+'),
        f('preferredReadReplica', 'int32', '11+', { default: -1 }),
        f('records', 'bytes'),
      ]),
    ]),
  ],
};
