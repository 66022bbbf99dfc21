/**
 * MqttPersistence on the object store: session snapshots and retained messages are small JSON meta
 * documents (meta/mqtt-sessions/<ns>/<sha256(client id)>.json, meta/mqtt-retained/<ns>/<sha256(topic)>.json);
 * messages for persistent sessions are appended to one log topic per namespace (`mqtt-session-log`,
 * MQTT topic as key, properties as headers), so an acknowledged message is in a durable WAL object.
 * Export topics (mqttLogTopics) are ordinary log topics readable by Kafka clients and the HTTP API.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isStrataError } from '../../errors.js';
import type { RecordInput, TopicLog } from '../../log/types.js';
import type { Keys } from '../../store/keys.js';
import { listAll, type ObjectStore } from '../../store/types.js';
import type { LoggedMessage, MqttPersistence } from './persistence.js';
import { fromDocument, fromRecord, toDocument, toRecord } from './record-codec.js';
import type { Message, SessionSnapshot } from './types.js';

export const SESSION_LOG_TOPIC = 'mqtt-session-log';
const SESSIONS = 'mqtt-sessions';
const RETAINED = 'mqtt-retained';

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface LogPersistenceOptions {
  store: ObjectStore;
  keys: Keys;
  log: TopicLog;
  logger: Logger;
  /** Retention of the session log (ms); default 7 days. */
  sessionLogRetentionMs?: number;
}

interface ExportItem {
  record: RecordInput;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class LogPersistence implements MqttPersistence {
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly exports = new Map<string, { ns: string; topic: string; items: ExportItem[] }>();
  private exportScheduled = false;

  constructor(private readonly o: LogPersistenceOptions) {}

  private async loadAll<T>(kind: string, parse: (b: Buffer) => T): Promise<T[]> {
    const out: T[] = [];
    const keys: string[] = [];
    for await (const meta of listAll(this.o.store, { prefix: this.o.keys.metaPrefix(kind) })) keys.push(meta.key);
    for (let i = 0; i < keys.length; i += 32) {
      const docs = await Promise.all(keys.slice(i, i + 32).map((k) => this.o.store.get(k).then((r) => r.body, (err) => (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND') ? undefined : Promise.reject(err)))));
      for (const d of docs) if (d) out.push(parse(d));
    }
    return out;
  }

  loadSessions(): Promise<SessionSnapshot[]> {
    return this.loadAll(SESSIONS, (b) => JSON.parse(b.toString()) as SessionSnapshot);
  }
  async saveSession(s: SessionSnapshot): Promise<void> {
    await this.o.store.put(this.o.keys.meta(SESSIONS, s.namespace, hash(s.clientId)), Buffer.from(JSON.stringify(s)), { contentType: 'application/json' });
  }
  deleteSession(ns: string, clientId: string): Promise<void> {
    return this.o.store.delete(this.o.keys.meta(SESSIONS, ns, hash(clientId)));
  }

  loadRetained(): Promise<Message[]> {
    return this.loadAll(RETAINED, fromDocument);
  }
  async putRetained(ns: string, m: Message): Promise<void> {
    await this.o.store.put(this.o.keys.meta(RETAINED, ns, hash(m.topic)), toDocument({ ...m, namespace: ns }), { contentType: 'application/json' });
  }
  deleteRetained(ns: string, topic: string): Promise<void> {
    return this.o.store.delete(this.o.keys.meta(RETAINED, ns, hash(topic)));
  }

  /** Creates the log topic once (tolerating a concurrent creator). */
  private ensure(ns: string, topic: string, retentionMs?: number): Promise<void> {
    const key = `${ns}/${topic}`;
    let p = this.ensured.get(key);
    if (!p) {
      p = (async () => {
        if (this.o.log.getTopic(ns, topic)) return;
        try {
          await this.o.log.createTopic(ns, topic, { partitions: 1, ...(retentionMs !== undefined ? { retentionMs } : {}) });
        } catch (err) {
          if (!isStrataError(err, 'STRATA_ERR_TOPIC_EXISTS')) throw err;
        }
      })();
      p.catch(() => this.ensured.delete(key));
      this.ensured.set(key, p);
    }
    return p;
  }

  async append(ns: string, messages: Message[]): Promise<number[]> {
    await this.ensure(ns, SESSION_LOG_TOPIC, this.o.sessionLogRetentionMs);
    const r = await this.o.log.append(ns, SESSION_LOG_TOPIC, 0, messages.map(toRecord));
    return messages.map((_, i) => r.baseOffset + i);
  }

  async highWatermark(ns: string): Promise<number> {
    return this.o.log.getTopic(ns, SESSION_LOG_TOPIC)?.partitions[0]?.highWatermark ?? 0;
  }

  async read(ns: string, offset: number, max: number): Promise<{ messages: LoggedMessage[]; next: number; end: number }> {
    const info = this.o.log.getTopic(ns, SESSION_LOG_TOPIC)?.partitions[0];
    if (!info) return { messages: [], next: offset, end: 0 };
    const from = Math.max(offset, info.logStartOffset);
    if (from >= info.highWatermark) return { messages: [], next: from, end: info.highWatermark };
    const r = await this.o.log.readRecords(ns, SESSION_LOG_TOPIC, 0, from, { maxRecords: max, maxBytes: 8 * 1024 * 1024 });
    return { messages: r.records.map((rec) => ({ offset: rec.offset, message: fromRecord(rec) })), next: r.nextOffset, end: r.highWatermark };
  }

  /**
   * Copies of one event-loop turn go to their log topic as one record batch (one encode, one CRC, one
   * writer append) instead of one batch per message; each still resolves only once durable. If a batch is
   * refused (e.g. one record too large), its records are retried one by one so only the bad one fails.
   */
  export(ns: string, logTopic: string, m: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = `${ns}\u0000${logTopic}`;
      let q = this.exports.get(key);
      if (!q) this.exports.set(key, (q = { ns, topic: logTopic, items: [] }));
      q.items.push({ record: toRecord(m), resolve, reject });
      if (!this.exportScheduled) {
        this.exportScheduled = true;
        setImmediate(() => this.flushExports());
      }
    });
  }

  private flushExports(): void {
    this.exportScheduled = false;
    const queues = [...this.exports.values()];
    this.exports.clear();
    for (const q of queues) {
      const append = (items: ExportItem[]): Promise<unknown> => this.ensure(q.ns, q.topic).then(() => this.o.log.append(q.ns, q.topic, 0, items.map((i) => i.record)));
      append(q.items).then(
        () => q.items.forEach((i) => i.resolve()),
        (err: unknown) => {
          if (q.items.length === 1) return q.items[0]!.reject(err);
          for (const i of q.items) append([i]).then(() => i.resolve(), i.reject);
        },
      );
    }
  }

  async close(): Promise<void> {}
}
