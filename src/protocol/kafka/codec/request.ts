/**
 * Whole-message codec (no I/O): a request frame body → header + decoded message, and a response message →
 * the chunks of one size-prefixed response frame.
 */
import { API_BY_KEY } from '../apis/index.js';
import { ApiVersions } from '../apis/api-versions.js';
import type { ApiDef } from './api.js';
import { isFlexible } from './api.js';
import { readRequestHeader, writeResponseHeader, type RequestHeader } from './header.js';
import { Reader } from './reader.js';
import { decodeStruct, encodeStruct, type Msg } from './schema.js';
import { Writer } from './writer.js';

export type DecodedRequest =
  | { kind: 'ok'; header: RequestHeader; api: ApiDef; body: Msg }
  | { kind: 'unsupported'; header: RequestHeader; api?: ApiDef };

/** Decodes one frame (without its 4-byte size). Throws STRATA_ERR_INVALID_REQUEST when malformed. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  const api = API_BY_KEY.get(header.apiKey);
  if (!api || header.apiVersion < api.min || header.apiVersion > api.max) return { kind: 'unsupported', header, api };
  const flexible = isFlexible(api, header.apiVersion);
  if (flexible) r.taggedFields();
  const body = decodeStruct(r, api.request, header.apiVersion, flexible);
  return { kind: 'ok', header, api, body };
}

/** Encodes a response frame: INT32 size, response header, body. */
export function encodeResponse(api: ApiDef, version: number, correlationId: number, body: Msg): Buffer[] {
  const w = new Writer();
  w.int32(0); // size, patched below
  const flexible = isFlexible(api, version);
  writeResponseHeader(w, correlationId, api.key, flexible);
  encodeStruct(w, api.response, body, version, flexible);
  const chunks = w.finish();
  chunks[0].writeInt32BE(w.length - 4, 0);
  return chunks;
}

/** KIP-511: an ApiVersions request of a version we do not know gets a v0 response with UNSUPPORTED_VERSION. */
export function encodeApiVersionsFallback(correlationId: number, body: Msg): Buffer[] {
  return encodeResponse(ApiVersions, 0, correlationId, body);
}

/** Encodes a request frame (tests, benchmarks and the fuzzer speak to the broker with it). */
export function encodeRequest(api: ApiDef, version: number, correlationId: number, clientId: string | null, body: Msg): Buffer {
  const w = new Writer();
  w.int32(0);
  w.int16(api.key).int16(version).int32(correlationId).string(clientId, false);
  const flexible = isFlexible(api, version);
  if (flexible) w.taggedFields();
  encodeStruct(w, api.request, body, version, flexible);
  const b = w.toBuffer();
  b.writeInt32BE(b.length - 4, 0);
  return b;
}

/** Decodes a response frame body (without size) for a known api/version (tests). */
export function decodeResponse(api: ApiDef, version: number, frame: Buffer): { correlationId: number; body: Msg } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  const flexible = isFlexible(api, version);
  if (flexible && api.key !== ApiVersions.key) r.taggedFields();
  return { correlationId, body: decodeStruct(r, api.response, version, flexible) };
}
