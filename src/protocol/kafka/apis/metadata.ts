/**
 * Metadata (key 3), versions 1–12, flexible from 9.
 *
 *   Metadata Request => [topics] allow_auto_topic_creation(v4+) include_cluster_authorized_operations(v8–10)
 *                       include_topic_authorized_operations(v8+)
 *     topics => topic_id(v10+) name          (null array = all topics, v1+)
 *   Metadata Response => throttle_time_ms(v3+) [brokers] cluster_id(v2+) controller_id [topics]
 *                        cluster_authorized_operations(v8–10)
 *     brokers => node_id host port rack
 *     topics => error_code name topic_id(v10+) is_internal [partitions] topic_authorized_operations(v8+)
 *       partitions => error_code partition_index leader_id leader_epoch(v7+) [replica_nodes] [isr_nodes]
 *                     [offline_replicas](v5+)
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const Metadata: ApiDef = {
  key: 3,
  name: 'Metadata',
  min: 1,
  max: 12,
  flexibleFrom: 9,
  request: [
    arr('topics', [f('topicId', 'uuid', '10+'), f('name', 'string')]),
    f('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    f('includeClusterAuthorizedOperations', 'bool', '8-10'),
    f('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr('brokers', [f('nodeId', 'int32'), f('host', 'string'), f('port', 'int32'), f('rack', 'string')]),
    f('clusterId', 'string', '2+'),
    f('controllerId', 'int32'),
    arr('topics', [
      f('errorCode', 'int16'),
      f('name', 'string'),
      f('topicId', 'uuid', '10+'),
      f('isInternal', 'bool'),
      arr('partitions', [
        f('errorCode', 'int16'),
        f('partitionIndex', 'int32'),
        f('leaderId', 'int32'),
        f('leaderEpoch', 'int32', '7+'),
        arr('replicaNodes', 'int32'),
        arr('isrNodes', 'int32'),
        arr('offlineReplicas', 'int32', '5+'),
      ]),
      f('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
    ]),
    f('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
  ],
};
