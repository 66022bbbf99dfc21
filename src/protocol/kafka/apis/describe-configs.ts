/**
 * DescribeConfigs (key 32), versions 0–4, flexible from 4. Topic (resource type 2) and broker (4) resources.
 *
 *   DescribeConfigs Request => [resources] include_synonyms(v1+) include_documentation(v3+)
 *     resources => resource_type resource_name [configuration_keys]
 *   DescribeConfigs Response => throttle_time_ms [results]
 *     results => error_code error_message resource_type resource_name [configs]
 *       configs => name value read_only is_default(v0) config_source(v1+) is_sensitive [synonyms](v1+)
 *                  config_type(v3+) documentation(v3+)
 *         synonyms => name value source
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const DescribeConfigs: ApiDef = {
  key: 32,
  name: 'DescribeConfigs',
  min: 0,
  max: 4,
  flexibleFrom: 4,
  request: [
    arr('resources', [f('resourceType', 'int8'), f('resourceName', 'string'), arr('configurationKeys', 'string')]),
    f('includeSynonyms', 'bool', '1+'),
    f('includeDocumentation', 'bool', '3+'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('results', [
      f('errorCode', 'int16'),
      f('errorMessage', 'string'),
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      arr('configs', [
        f('name', 'string'),
        f('value', 'string'),
        f('readOnly', 'bool'),
        f('isDefault', 'bool', '0'),
        f('configSource', 'int8', '1+'),
        f('isSensitive', 'bool'),
        arr('synonyms', [f('name', 'string'), f('value', 'string'), f('source', 'int8')], '1+'),
        f('configType', 'int8', '3+'),
        f('documentation', 'string', '3+'),
      ]),
    ]),
  ],
};
