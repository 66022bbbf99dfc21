/**
 * DeleteTopics (key 20), versions 0–6, flexible from 4.
 *
 *   DeleteTopics Request => [topic_names](v0–5) [topics](v6+) timeout_ms
 *     topics => name topic_id
 *   DeleteTopics Response => throttle_time_ms(v1+) [responses]
 *     responses => name topic_id(v6+) error_code error_message(v5+)
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const DeleteTopics: ApiDef = {
  key: 20,
  name: 'DeleteTopics',
  min: 0,
  max: 6,
  flexibleFrom: 4,
  request: [arr('topicNames', 'string', '0-5'), arr('topics', [f('name', 'string'), f('topicId', 'uuid')], '6+'), f('timeoutMs', 'int32')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    arr('responses', [f('name', 'string'), f('topicId', 'uuid', '6+'), f('errorCode', 'int16'), f('errorMessage', 'string', '5+')]),
  ],
};
