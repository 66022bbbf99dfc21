/**
 * The one module that builds and parses object keys (CONVENTIONS 5). Nothing else concatenates key
 * strings. Numbers are zero-padded to 20 digits so that LIST order equals numeric order.
 *
 *   <root>/manifest/<20d>.json                                   cluster manifest (CAS: create next id)
 *   <root>/wal/<20d writer-epoch>/<20d seq>.wal                  one object per flush
 *   <root>/topics/<ns>/<topic>/<20d partition>/<20d base>.seg    compacted per-partition segments
 *   <root>/meta/<kind>/<ns>/<name>.json                          metadata documents (topics, groups, …)
 */

const WIDTH = 20;

export function pad20(n: number | bigint): string {
  if (typeof n === 'number' && (!Number.isSafeInteger(n) || n < 0)) throw new RangeError(`not a non-negative safe integer: ${n}`);
  if (typeof n === 'bigint' && n < 0n) throw new RangeError(`negative: ${n}`);
  return n.toString().padStart(WIDTH, '0');
}

function parse20(s: string): number {
  if (s.length !== WIDTH || !/^\d+$/.test(s)) throw new RangeError(`not a 20-digit number: ${s}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new RangeError(`number too large: ${s}`);
  return n;
}

/** Namespace, topic and metadata names: safe as one path segment on S3 and on every filesystem. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,248}$/;

export function isValidName(name: string): boolean {
  return NAME_RE.test(name) && name !== '.' && name !== '..';
}

function segment(name: string, what: string): string {
  if (!isValidName(name)) throw new RangeError(`invalid ${what} name: ${JSON.stringify(name)}`);
  return name;
}

export class Keys {
  /** Root prefix without trailing slash ('' = bucket root). */
  readonly root: string;

  constructor(root = '') {
    this.root = root.replace(/^\/+|\/+$/g, '');
  }

  private join(...parts: string[]): string {
    return (this.root ? [this.root, ...parts] : parts).join('/');
  }

  // manifest ---------------------------------------------------------------------------------------
  manifestPrefix(): string {
    return this.join('manifest') + '/';
  }
  manifest(id: number): string {
    return this.join('manifest', `${pad20(id)}.json`);
  }
  parseManifest(key: string): number | undefined {
    return this.parseNumbered(key, this.manifestPrefix(), '.json');
  }

  // write-ahead log --------------------------------------------------------------------------------
  walPrefix(epoch?: number): string {
    return epoch === undefined ? this.join('wal') + '/' : this.join('wal', pad20(epoch)) + '/';
  }
  wal(epoch: number, seq: number): string {
    return this.join('wal', pad20(epoch), `${pad20(seq)}.wal`);
  }
  parseWal(key: string): { epoch: number; seq: number } | undefined {
    const prefix = this.walPrefix();
    if (!key.startsWith(prefix)) return undefined;
    const m = /^(\d{20})\/(\d{20})\.wal$/.exec(key.slice(prefix.length));
    return m ? { epoch: parse20(m[1]!), seq: parse20(m[2]!) } : undefined;
  }

  // segments ---------------------------------------------------------------------------------------
  topicPrefix(ns: string, topic: string): string {
    return this.join('topics', segment(ns, 'namespace'), segment(topic, 'topic')) + '/';
  }
  partitionPrefix(ns: string, topic: string, partition: number): string {
    return this.join('topics', segment(ns, 'namespace'), segment(topic, 'topic'), pad20(partition)) + '/';
  }
  segment(ns: string, topic: string, partition: number, baseOffset: number): string {
    return this.partitionPrefix(ns, topic, partition) + `${pad20(baseOffset)}.seg`;
  }
  parseSegment(key: string): { ns: string; topic: string; partition: number; baseOffset: number } | undefined {
    const prefix = this.join('topics') + '/';
    if (!key.startsWith(prefix)) return undefined;
    const m = /^([^/]+)\/([^/]+)\/(\d{20})\/(\d{20})\.seg$/.exec(key.slice(prefix.length));
    return m ? { ns: m[1]!, topic: m[2]!, partition: parse20(m[3]!), baseOffset: parse20(m[4]!) } : undefined;
  }

  // metadata ---------------------------------------------------------------------------------------
  /** e.g. metaPrefix('topics', 'default') → <root>/meta/topics/default/ */
  metaPrefix(kind: string, ns?: string): string {
    return ns === undefined ? this.join('meta', segment(kind, 'meta kind')) + '/' : this.join('meta', segment(kind, 'meta kind'), segment(ns, 'namespace')) + '/';
  }
  /** A metadata document: <root>/meta/<kind>/<ns>/<name>.json. `name` may hold '/'-separated valid segments. */
  meta(kind: string, ns: string, name: string): string {
    const parts = name.split('/').map((p) => segment(p, 'meta'));
    return this.metaPrefix(kind, ns) + parts.join('/') + '.json';
  }
  /** A numbered metadata object, e.g. a record index of a mounted object version. */
  metaNumbered(kind: string, ns: string, name: string, n: number, ext = 'json'): string {
    const parts = name.split('/').map((p) => segment(p, 'meta'));
    return this.metaPrefix(kind, ns) + parts.join('/') + `/${pad20(n)}.${ext}`;
  }

  /** Prefix of the numbered metadata objects of `name`: <root>/meta/<kind>/<ns>/<name>/ */
  metaNumberedPrefix(kind: string, ns: string, name: string): string {
    const parts = name.split('/').map((p) => segment(p, 'meta'));
    return this.metaPrefix(kind, ns) + parts.join('/') + '/';
  }
  /** The number of a key built by metaNumbered(kind, ns, name, n, ext), or undefined. */
  parseMetaNumbered(key: string, kind: string, ns: string, name: string, ext = 'json'): number | undefined {
    return this.parseNumbered(key, this.metaNumberedPrefix(kind, ns, name), '.' + ext);
  }
  /** Parses <root>/meta/<kind>/<ns>/<name>.json where name is one segment; undefined for anything else. */
  parseMeta(key: string, kind: string): { ns: string; name: string } | undefined {
    const prefix = this.metaPrefix(kind);
    if (!key.startsWith(prefix)) return undefined;
    const m = /^([^/]+)\/([^/]+)\.json$/.exec(key.slice(prefix.length));
    return m && isValidName(m[1]!) && isValidName(m[2]!) ? { ns: m[1]!, name: m[2]! } : undefined;
  }

  private parseNumbered(key: string, prefix: string, ext: string): number | undefined {
    if (!key.startsWith(prefix) || !key.endsWith(ext)) return undefined;
    const mid = key.slice(prefix.length, key.length - ext.length);
    return /^\d{20}$/.test(mid) ? parse20(mid) : undefined;
  }
}
