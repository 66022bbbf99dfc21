/**
 * Message schemas as data, after Kafka's own clients/src/main/resources/common/message/*.json: each field
 * names the versions it exists in ("3+", "0-4", "7"), its type and, for flexible versions, an optional tag.
 * One generic decoder/encoder walks a schema for a given version; in flexible versions strings, bytes and
 * arrays use the compact forms and every struct ends with TAGGED_FIELDS (KIP-482). Unknown tags are skipped.
 *
 * Absent fields decode to their default (numbers 0, strings null, arrays [], unless the schema says).
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export type Prim = 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'bigint64' | 'float64' | 'bool' | 'string' | 'bytes' | 'uuid';

export interface Field {
  name: string;
  /** A primitive, or a struct (list of fields). */
  type: Prim | Field[];
  array: boolean;
  min: number;
  max: number;
  /** Tag number: the field travels in TAGGED_FIELDS (flexible versions only). */
  tag?: number;
  default?: unknown;
}

export type Schema = Field[];
export type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function range(versions: string): [number, number] {
  if (versions.endsWith('+')) return [Number(versions.slice(0, -1)), Infinity];
  const [a, b] = versions.split('-');
  return [Number(a), Number(b ?? a)];
}

interface Opts {
  tag?: number;
  default?: unknown;
}

/** A scalar field present in `versions`. */
export function f(name: string, type: Prim, versions = '0+', opts: Opts = {}): Field {
  const [min, max] = range(versions);
  return { name, type, array: false, min, max, ...opts };
}
/** An array of structs (fields) or of a primitive. */
export function arr(name: string, of: Prim | Field[], versions = '0+', opts: Opts = {}): Field {
  const [min, max] = range(versions);
  return { name, type: of, array: true, min, max, ...opts };
}
/** A nested struct that is not an array. */
export function struct(name: string, fields: Field[], versions = '0+', opts: Opts = {}): Field {
  const [min, max] = range(versions);
  return { name, type: fields, array: false, min, max, ...opts };
}

function defaultOf(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  if (field.array) return [];
  if (Array.isArray(field.type)) return null;
  switch (field.type) {
    case 'string':
    case 'bytes':
    case 'uuid':
      return null;
    case 'bool':
      return false;
    case 'bigint64':
      return 0n;
    default:
      return 0;
  }
}

function readPrim(r: Reader, type: Prim, compact: boolean): unknown {
  switch (type) {
    case 'int8': return r.int8();
    case 'int16': return r.int16();
    case 'uint16': return r.uint16();
    case 'int32': return r.int32();
    case 'int64': return r.int64();
    case 'bigint64': return r.bigint64();
    case 'float64': return r.float64();
    case 'bool': return r.bool();
    case 'string': return r.string(compact);
    case 'bytes': return r.bytes(compact);
    case 'uuid': return r.uuid();
  }
}

function writePrim(w: Writer, type: Prim, v: unknown, compact: boolean): void {
  switch (type) {
    case 'int8': w.int8(Number(v ?? 0)); break;
    case 'int16': w.int16(Number(v ?? 0)); break;
    case 'uint16': w.uint16(Number(v ?? 0)); break;
    case 'int32': w.int32(Number(v ?? 0)); break;
    case 'int64':
    case 'bigint64': w.int64(typeof v === 'bigint' ? v : Number(v ?? 0)); break;
    case 'float64': w.float64(Number(v ?? 0)); break;
    case 'bool': w.bool(Boolean(v)); break;
    case 'string': w.string(v as string | null, compact); break;
    case 'bytes': w.bytes(v as Buffer | Buffer[] | null, compact); break;
    case 'uuid': w.uuid(v as string | null); break;
  }
}

function readValue(r: Reader, field: Field, version: number, flexible: boolean): unknown {
  const one = (): unknown => (Array.isArray(field.type) ? decodeStruct(r, field.type, version, flexible) : readPrim(r, field.type, flexible));
  if (!field.array) {
    // a nullable struct is written as INT8 -1 / 1 in Kafka's grammar; we only use non-null structs
    return one();
  }
  const n = r.arrayLength(flexible);
  if (n < 0) return null;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = one();
  return out;
}

function writeValue(w: Writer, field: Field, v: unknown, version: number, flexible: boolean): void {
  const one = (x: unknown): void => {
    if (Array.isArray(field.type)) encodeStruct(w, field.type, (x ?? {}) as Msg, version, flexible);
    else writePrim(w, field.type, x, flexible);
  };
  if (!field.array) return one(v);
  if (v === null) {
    w.arrayLength(null, flexible);
    return;
  }
  const list = (v ?? []) as unknown[];
  w.arrayLength(list.length, flexible);
  for (const x of list) one(x);
}

const inVersion = (field: Field, version: number): boolean => version >= field.min && version <= field.max;

export function decodeStruct(r: Reader, schema: Schema, version: number, flexible: boolean): Msg {
  const out: Msg = {};
  for (const field of schema) {
    if (!inVersion(field, version) || (field.tag !== undefined && flexible)) out[field.name] = defaultOf(field);
    else if (field.tag === undefined) out[field.name] = readValue(r, field, version, flexible);
    else out[field.name] = defaultOf(field); // tagged field in a non-flexible version: absent
  }
  if (flexible) {
    r.taggedFields((tag, body) => {
      const field = schema.find((x) => x.tag === tag && inVersion(x, version));
      if (field) out[field.name] = readValue(body, field, version, flexible);
    });
  }
  return out;
}

export function encodeStruct(w: Writer, schema: Schema, msg: Msg, version: number, flexible: boolean): void {
  const tagged: Array<[number, Buffer]> = [];
  for (const field of schema) {
    if (!inVersion(field, version)) continue;
    const v = msg[field.name] === undefined ? defaultOf(field) : msg[field.name];
    if (field.tag === undefined) writeValue(w, field, v, version, flexible);
    else if (flexible && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) {
      const sub = new Writer();
      writeValue(sub, field, v, version, flexible);
      tagged.push([field.tag, sub.toBuffer()]);
    }
  }
  if (flexible) w.taggedFields(tagged.sort((a, b) => a[0] - b[0]));
}
