/**
 * ApiVersions (key 18), versions 0–3, flexible from 3.
 *
 *   ApiVersions Request (v0–2) => (empty)
 *   ApiVersions Request (v3) => client_software_name client_software_version TAG_BUFFER
 *   ApiVersions Response => error_code [api_keys] throttle_time_ms(v1+)
 *     api_keys => api_key min_version max_version
 *
 * An unsupported ApiVersions version is answered with UNSUPPORTED_VERSION in a v0 response that still
 * lists what is supported (KIP-511), so the client can retry with a version we know.
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const ApiVersions: ApiDef = {
  key: 18,
  name: 'ApiVersions',
  min: 0,
  max: 3,
  flexibleFrom: 3,
  request: [f('clientSoftwareName', 'string', '3+'), f('clientSoftwareVersion', 'string', '3+')],
  response: [
    f('errorCode', 'int16'),
    arr('apiKeys', [f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16')]),
    f('throttleTimeMs', 'int32', '1+'),
  ],
};
