/**
 * Request and response headers.
 *
 *   Request Header v0 => request_api_key request_api_version correlation_id
 *   Request Header v1 => request_api_key request_api_version correlation_id client_id
 *     client_id => NULLABLE_STRING   (never compact, even in v2)
 *   Request Header v2 => request_api_key request_api_version correlation_id client_id TAG_BUFFER
 *   Response Header v0 => correlation_id
 *   Response Header v1 => correlation_id TAG_BUFFER
 *
 * Flexible versions of an API use request header v2 and response header v1, except ApiVersions whose
 * response header is always v0 (KIP-511: a client must be able to read it before knowing our versions).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/** Reads the fixed part (key, version, correlation id, client id); `flexible` adds the tag buffer. */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  // ControlledShutdown v0 is the only request with header v0; it is not supported, so always read client_id
  const clientId = r.string(false);
  return { apiKey, apiVersion, correlationId, clientId };
}

export function writeResponseHeader(w: Writer, correlationId: number, apiKey: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible && apiKey !== API_VERSIONS_KEY) w.taggedFields();
}
