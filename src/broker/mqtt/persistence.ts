/**
 * What the MQTT broker needs to survive a restart, behind one interface: session snapshots, retained
 * messages, and a durable message log (design: everything durable lives in the object store). The
 * in-memory implementation below serves unit tests (a new Broker over the same MemoryPersistence
 * behaves like a restarted node); src/broker/mqtt/log-persistence.ts is the object-store one.
 */
import type { Message, SessionSnapshot } from './types.js';

export interface LoggedMessage {
  offset: number;
  message: Message;
}

export interface MqttPersistence {
  loadSessions(): Promise<SessionSnapshot[]>;
  /** Durable when the promise resolves. */
  saveSession(snapshot: SessionSnapshot): Promise<void>;
  deleteSession(namespace: string, clientId: string): Promise<void>;

  loadRetained(): Promise<Message[]>;
  putRetained(namespace: string, message: Message): Promise<void>;
  deleteRetained(namespace: string, topic: string): Promise<void>;

  /** Appends to the session message log; resolves with each message's offset once durable. */
  append(namespace: string, messages: Message[]): Promise<number[]>;
  /** Next offset the message log will assign. */
  highWatermark(namespace: string): Promise<number>;
  /** Messages with offset ≥ `offset`, in order; `next` is where to continue. */
  read(namespace: string, offset: number, max: number): Promise<{ messages: LoggedMessage[]; next: number; end: number }>;

  /** Appends to a configured export log topic (mqttLogTopics); resolves once durable. */
  export(namespace: string, logTopic: string, message: Message): Promise<void>;

  close(): Promise<void>;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Everything in maps; survives "restarts" of brokers built over the same instance. */
export class MemoryPersistence implements MqttPersistence {
  readonly sessions = new Map<string, SessionSnapshot>();
  readonly retained = new Map<string, Message>();
  readonly log = new Map<string, Message[]>();
  readonly exported = new Map<string, Message[]>();

  async loadSessions(): Promise<SessionSnapshot[]> {
    return [...this.sessions.values()].map(clone);
  }
  async saveSession(s: SessionSnapshot): Promise<void> {
    this.sessions.set(`${s.namespace}\u0000${s.clientId}`, clone(s));
  }
  async deleteSession(ns: string, clientId: string): Promise<void> {
    this.sessions.delete(`${ns}\u0000${clientId}`);
  }
  async loadRetained(): Promise<Message[]> {
    return [...this.retained.values()].map(clone);
  }
  async putRetained(ns: string, m: Message): Promise<void> {
    this.retained.set(`${ns}\u0000${m.topic}`, clone(m));
  }
  async deleteRetained(ns: string, topic: string): Promise<void> {
    this.retained.delete(`${ns}\u0000${topic}`);
  }
  private logOf(ns: string): Message[] {
    let l = this.log.get(ns);
    if (!l) this.log.set(ns, (l = []));
    return l;
  }
  async append(ns: string, messages: Message[]): Promise<number[]> {
    const l = this.logOf(ns);
    return messages.map((m) => l.push(clone(m)) - 1);
  }
  async highWatermark(ns: string): Promise<number> {
    return this.logOf(ns).length;
  }
  async read(ns: string, offset: number, max: number): Promise<{ messages: LoggedMessage[]; next: number; end: number }> {
    const l = this.logOf(ns);
    const out: LoggedMessage[] = [];
    for (let o = offset; o < l.length && out.length < max; o++) out.push({ offset: o, message: clone(l[o]!) });
    return { messages: out, next: offset + out.length, end: l.length };
  }
  async export(ns: string, logTopic: string, m: Message): Promise<void> {
    const key = `${ns}/${logTopic}`;
    let l = this.exported.get(key);
    if (!l) this.exported.set(key, (l = []));
    l.push(clone(m));
  }
  async close(): Promise<void> {}
}
