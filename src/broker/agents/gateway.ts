/**
 * In-process side of agent channels (docs/agents.md) for the HTTP API: lists agent cards from the retained
 * store and sends requests through the MQTT broker, waiting for the reply on a private replies topic.
 * One internal session per namespace, subscribed at QoS 0 (in-process delivery cannot be lost).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { StrataError } from '../../errors.js';
import type { Broker } from '../mqtt/broker.js';
import type { Delivery, Session, SessionLink } from '../mqtt/session.js';

export interface AgentListing {
  id: string;
  status: 'online' | 'offline' | 'unknown';
  card: Record<string, unknown>;
}

export interface AgentReply {
  /** `reply`: one payload; `stream`: the chunks in sequence order. */
  kind: 'reply' | 'stream';
  payload: Buffer;
  contentType?: string;
  chunks: Array<{ payload: Buffer; contentType?: string }>;
}

export interface AgentRequest {
  /** `agents/<id>/requests` or `skills/<skill>/requests`. */
  topic: string;
  payload: Buffer;
  contentType?: string;
  skill?: string;
  timeoutMs: number;
  /** Called per chunk, in `agent-seq` order (then the chunks are not collected); the timeout restarts on each. */
  onChunk?: (c: { payload: Buffer; contentType?: string }) => void;
  /** Aborting stops waiting (the caller went away): rejects with STRATA_ERR_ABORTED. */
  signal?: AbortSignal;
}

interface Pending {
  resolve(r: AgentReply): void;
  reject(e: Error): void;
  /** Received out of order, waiting for `next`. */
  buffered: Map<number, { kind: string; payload: Buffer; contentType?: string }>;
  next: number;
  chunks: Array<{ payload: Buffer; contentType?: string }>;
  onChunk?: (c: { payload: Buffer; contentType?: string }) => void;
}

const prop = (d: Delivery, name: string): string | undefined => {
  const v = d.message.properties?.userProperties?.[name];
  return Array.isArray(v) ? v[0] : v;
};

export class AgentGateway {
  /** The gateway's agent id (one topic level), used as `agent-from` and in its replies topic. */
  readonly id = `strata-http-${randomBytes(4).toString('hex')}`;
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly broker: Broker,
    private readonly logger: Logger,
  ) {}

  private get repliesTopic(): string {
    return `agents/${this.id}/replies`;
  }

  /** Cards (retained `agents/+/card`) of a namespace with their retained status, sorted by id. */
  list(namespace: string): AgentListing[] {
    const retained = this.broker.space(namespace).retained;
    const status = new Map(retained.match('agents/+/status').map((m) => [m.topic.split('/')[1]!, m.payload.toString('utf8')]));
    const out: AgentListing[] = [];
    for (const m of retained.match('agents/+/card')) {
      const id = m.topic.split('/')[1]!;
      try {
        const card = JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>;
        const s = status.get(id);
        out.push({ id, status: s === 'online' || s === 'offline' ? s : 'unknown', card });
      } catch {
        this.logger.debug({ topic: m.topic }, 'agent card is not JSON; not listed');
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private session(namespace: string): Promise<Session> {
    let s = this.sessions.get(namespace);
    if (!s) {
      s = (async () => {
        const { session } = await this.broker.connect(namespace, this.id, true, 0);
        const link: SessionLink = { receiveMaximum: 65535, sendPublish: (d) => (this.onReply(d), true), sendPubrel: () => {}, takenOver: () => this.sessions.delete(namespace) };
        session.attach(link);
        await this.broker.subscribe(session, [{ filter: this.repliesTopic, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 2 }]);
        return session;
      })();
      this.sessions.set(namespace, s);
      s.catch(() => this.sessions.delete(namespace));
    }
    return s;
  }

  private onReply(d: Delivery): void {
    const cd = d.message.properties?.correlationData;
    if (!cd) return;
    const key = Buffer.from(cd).toString('hex');
    const p = this.pending.get(key);
    if (!p) return; // timed out already
    const seq = Number(prop(d, 'agent-seq') ?? p.next);
    if (!Number.isInteger(seq) || seq < p.next) return; // a repeat
    p.buffered.set(seq, { kind: prop(d, 'agent-kind') ?? 'reply', payload: d.message.payload, contentType: d.message.properties?.contentType });
    for (let m = p.buffered.get(p.next); m; m = p.buffered.get(p.next)) {
      p.buffered.delete(p.next++);
      const { kind, payload, contentType } = m;
      if (kind === 'chunk') {
        if (p.onChunk) p.onChunk({ payload, contentType });
        else p.chunks.push({ payload, contentType });
        continue;
      }
      this.pending.delete(key);
      if (kind === 'error') return p.reject(new StrataError('STRATA_ERR_AGENT_ERROR', payload.toString('utf8')));
      if (kind === 'end') return p.resolve({ kind: 'stream', payload: Buffer.alloc(0), chunks: p.chunks });
      return p.resolve({ kind: 'reply', payload, contentType, chunks: [] });
    }
  }

  /** Publishes a request (QoS 1, durable before it is routed) and waits for its reply. */
  async request(namespace: string, r: AgentRequest): Promise<AgentReply> {
    await this.session(namespace);
    const id = randomBytes(16);
    const key = id.toString('hex');
    const userProperties: Record<string, string> = { 'agent-from': this.id, 'agent-deadline': String(Date.now() + r.timeoutMs) };
    if (r.skill !== undefined) userProperties['agent-skill'] = r.skill;
    return new Promise<AgentReply>((resolve, reject) => {
      const expire = (): void => {
        this.pending.delete(key);
        reject(new StrataError('STRATA_ERR_AGENT_TIMEOUT', `no reply on ${r.topic} within ${r.timeoutMs} ms`));
      };
      let timer = setTimeout(expire, r.timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => (clearTimeout(timer), f(v));
      const onChunk = r.onChunk && ((c: { payload: Buffer; contentType?: string }) => {
        clearTimeout(timer);
        timer = setTimeout(expire, r.timeoutMs);
        r.onChunk!(c);
      });
      this.pending.set(key, { resolve: done(resolve), reject: done(reject), buffered: new Map(), next: 0, chunks: [], onChunk });
      r.signal?.addEventListener('abort', () => {
        const p = this.pending.get(key);
        this.pending.delete(key);
        p?.reject(new StrataError('STRATA_ERR_ABORTED', 'the HTTP client went away'));
      }, { once: true });
      const published = this.broker.publish(namespace, {
        topic: r.topic,
        payload: r.payload,
        qos: 1,
        retain: false,
        origin: this.id,
        expiresAt: Date.now() + r.timeoutMs, // [MQTT-3.3.2-5] nobody picks it up after the requester gave up
        properties: { responseTopic: this.repliesTopic, correlationData: id, contentType: r.contentType, userProperties },
      });
      published?.catch((err) => {
        const p = this.pending.get(key);
        this.pending.delete(key);
        p?.reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /** Fails what is waiting and ends the internal sessions. */
  async close(): Promise<void> {
    for (const [key, p] of this.pending) {
      this.pending.delete(key);
      p.reject(new StrataError('STRATA_ERR_SHUTTING_DOWN'));
    }
    for (const s of this.sessions.values()) {
      const session = await s.catch(() => undefined);
      if (session) this.broker.disconnect(session, false, 0);
    }
    this.sessions.clear();
  }
}
