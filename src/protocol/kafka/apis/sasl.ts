/**
 * SaslHandshake (key 17), versions 0–1, never flexible; SaslAuthenticate (key 36), versions 0–2, flexible
 * from 2. Handshake v1 is followed by SaslAuthenticate requests; v0 (raw SASL tokens without Kafka
 * framing) is advertised because librdkafka requires it in ApiVersions before it uses SASL at all (its
 * SASL_HANDSHAKE feature needs SaslHandshake v0), but a v0 handshake is answered UNSUPPORTED_VERSION
 * (handlers/sasl.ts): only the framed form is served.
 *
 *   SaslHandshake Request => mechanism
 *   SaslHandshake Response => error_code [mechanisms]
 *   SaslAuthenticate Request => auth_bytes
 *   SaslAuthenticate Response => error_code error_message auth_bytes session_lifetime_ms(v1+)
 */
import type { ApiDef } from '../codec/api.js';
import { arr, f } from '../codec/schema.js';

export const SaslHandshake: ApiDef = {
  key: 17,
  name: 'SaslHandshake',
  min: 0,
  max: 1,
  flexibleFrom: Infinity,
  request: [f('mechanism', 'string')],
  response: [f('errorCode', 'int16'), arr('mechanisms', 'string')],
};

export const SaslAuthenticate: ApiDef = {
  key: 36,
  name: 'SaslAuthenticate',
  min: 0,
  max: 2,
  flexibleFrom: 2,
  request: [f('authBytes', 'bytes')],
  response: [
    f('errorCode', 'int16'),
    f('errorMessage', 'string'),
    f('authBytes', 'bytes', '0+', { default: Buffer.alloc(0) }),
    f('sessionLifetimeMs', 'int64', '1+'),
  ],
};
