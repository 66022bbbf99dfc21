/**
 * Channel history over the HTTP records API: a channel's MQTT topics are copied to a log topic by the
 * broker's `mqttLogTopics` (e.g. `agents/#=agents`), and this reads that log topic from an offset or a time.
 */
import { topicMatches } from './match.js';

export interface HistoryOptions {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  httpUrl: string;
  /** Namespace of the log topic (anonymous MQTT clients are in `default`). */
  namespace?: string;
  /** The log topic named in `mqttLogTopics`. */
  topic: string;
  partition?: number;
  /** First offset to return (default 0). */
  offset?: number;
  /** Only records with timestamp ≥ since (ms since epoch): without `offset`, the server seeks to that time (`?timestamp=`). */
  since?: number;
  /** Only records whose MQTT topic (the record key) matches this MQTT filter. */
  filter?: string;
  /** Stop after this many matching records (default: read to the end). */
  limit?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface HistoryRecord {
  offset: number;
  timestamp: number;
  /** The MQTT topic the message was published to. */
  topic: string;
  payload: Buffer;
  /** Record headers: user properties as is, MQTT properties as `mqtt.*` (docs/reference/mqtt.md). */
  headers: Record<string, string>;
}

interface Page {
  records: Array<{ offset: number; timestamp: number; key: { base64: string } | string | null; value: { base64: string } | string | null; headers: Array<{ key: string; value: { base64: string } | string | null }> }>;
  next_offset: number;
  high_watermark: number;
}

const b64 = (v: { base64: string } | string | null): Buffer => (v === null ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v.base64, 'base64'));

export async function history(o: HistoryOptions): Promise<HistoryRecord[]> {
  const ns = encodeURIComponent(o.namespace ?? 'default');
  const base = `${o.httpUrl.replace(/\/$/, '')}/v1/namespaces/${ns}/topics/${encodeURIComponent(o.topic)}/partitions/${o.partition ?? 0}/records`;
  const out: HistoryRecord[] = [];
  let offset = o.offset ?? 0;
  for (;;) {
    const seek = o.since !== undefined && o.offset === undefined && out.length === 0 && offset === 0 ? `timestamp=${o.since}` : `offset=${offset}`;
    const res = await fetch(`${base}?${seek}&encoding=base64`, { headers: o.headers });
    if (!res.ok) throw new Error(`history: GET ${base} answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as Page;
    for (const r of page.records) {
      const rec: HistoryRecord = {
        offset: r.offset,
        timestamp: r.timestamp,
        topic: b64(r.key).toString('utf8'),
        payload: b64(r.value),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, b64(h.value).toString('utf8')])),
      };
      if (o.since !== undefined && rec.timestamp < o.since) continue;
      if (o.filter !== undefined && !topicMatches(o.filter, rec.topic)) continue;
      out.push(rec);
      if (o.limit !== undefined && out.length >= o.limit) return out;
    }
    if (page.records.length === 0 || page.next_offset >= page.high_watermark) return out;
    offset = page.next_offset;
  }
}
