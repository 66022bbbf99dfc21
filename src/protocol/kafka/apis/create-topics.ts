/**
 * CreateTopics (key 19), versions 0–7, flexible from 5. replication_factor and assignments are accepted
 * and ignored (durability comes from the object store); configs map onto TopicConfig (see handler).
 *
 *   CreateTopics Request => [topics] timeout_ms validate_only(v1+)
 *     topics => name num_partitions replication_factor [assignments] [configs]
 *       assignments => partition_index [broker_ids]
 *       configs => name value
 *   CreateTopics Response => throttle_time_ms(v2+) [topics]
 *     topics => name topic_id(v7+) error_code error_message(v1+) num_partitions(v5+) replication_factor(v5+)
 *               [configs](v5+)
 *       configs => name value read_only config_source is_sensitive
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const CreateTopics: ApiDef = {
  key: 19,
  name: 'CreateTopics',
  min: 0,
  max: 7,
  flexibleFrom: 5,
  request: [
    arr('topics', [
      f('name', 'string'),
      f('numPartitions', 'int32'),
      f('replicationFactor', 'int16'),
      arr('assignments', [f('partitionIndex', 'int32'), arr('brokerIds', 'int32')]),
      arr('configs', [f('name', 'string'), f('value', 'string')]),
    ]),
    f('timeoutMs', 'int32'),
    f('validateOnly', 'bool', '1+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    arr('topics', [
      f('name', 'string'),
      f('topicId', 'uuid', '7+'),
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '1+'),
      f('numPartitions', 'int32', '5+', { default: -1 }),
      f('replicationFactor', 'int16', '5+', { default: -1 }),
      arr('configs', [f('name', 'string'), f('value', 'string'), f('readOnly', 'bool'), f('configSource', 'int8'), f('isSensitive', 'bool')], '5+'),
    ]),
  ],
};
