/**
 * TypeScript agent SDK on mqtt.js (conventions: docs/agents.md).
 *
 *   const a = await connectAgent({ url: 'mqtt://127.0.0.1:1883', agentId: 'summarizer-1', card: { name: 'Summarizer', skills: ['summarize'] } });
 *   await a.serve('summarize', async (input) => ({ summary: String(input).slice(0, 20) }));
 *   const reply = await a.request('skill:summarize', 'a long text', { timeoutMs: 5000 });
 */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { history, type HistoryOptions, type HistoryRecord } from './history.js';
import { AgentClosedError, AgentTimeoutError, ChunkQueue, Requester } from './requester.js';
import { agentOf, checkLevel, decode, encode, props, topics, userProp, type AgentCard, type Presence, type ReplyKind } from './topics.js';

export interface RequestContext {
  skill: string;
  /** The requesting agent id, when it said. */
  from?: string;
  /** Ms since epoch after which the requester stops waiting (when it said). */
  deadline?: number;
  contentType?: string;
}

/** Returns a value (one reply) or an (async) iterable (a stream of chunks). Throwing answers an error reply. */
export type Handler = (input: unknown, ctx: RequestContext) => unknown;

export interface ConnectAgentOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string;
  agentId: string;
  /** The card without `id` (taken from agentId); input/output default to `['application/json']`. */
  card: { name: string; skills: string[]; description?: string; input?: string[]; output?: string[]; [extra: string]: unknown };
  username?: string;
  password?: string;
  /** Base URL of the HTTP API (for history()), e.g. `http://127.0.0.1:8080`. */
  httpUrl?: string;
  /**
   * The namespace (tenant) of this agent's credential, for history() (default `default`). history() sends
   * username/password as HTTP Basic credentials unless its own `headers` carry an Authorization.
   */
  namespace?: string;
  /**
   * Keep the agent's MQTT session (subscriptions and its mailbox of QoS 1 requests) this many seconds
   * while it is offline; 0 (default) starts clean. Requests that arrive before serve() are held for it.
   */
  sessionExpirySec?: number;
  /** Passed to mqtt.js as is (reconnectPeriod, keepalive, …). */
  mqtt?: IClientOptions;
}

export interface RequestOptions {
  /** Whole-request timeout for request(); longest silence between chunks for stream(). Default 30 s. */
  timeoutMs?: number;
  /** Skill to ask for when the target is an agent id serving several skills. */
  skill?: string;
  /**
   * request() only: send again (fresh correlation data, so a late first reply is ignored) this many times
   * after a timeout; a pool retry goes to another member. Default 0. Handlers must tolerate repeats.
   */
  retries?: number;
}

export interface DiscoveredAgent extends AgentCard {
  status: Presence;
}

export interface Agent {
  readonly agentId: string;
  readonly client: MqttClient;
  serve(skill: string, handler: Handler): Promise<void>;
  request(target: string, input: unknown, opts?: RequestOptions): Promise<unknown>;
  stream(target: string, input: unknown, opts?: RequestOptions): AsyncIterable<unknown>;
  discover(opts?: { waitMs?: number }): Promise<DiscoveredAgent[]>;
  history(opts: Omit<HistoryOptions, 'httpUrl'> & { httpUrl?: string }): Promise<HistoryRecord[]>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** `skill:<name>` → the skill's pool topic; anything else is an agent id. */
function targetTopic(target: string): { topic: string; skill?: string } {
  if (target.startsWith('skill:')) {
    const skill = checkLevel('skill', target.slice(6));
    return { topic: topics.pool(skill), skill };
  }
  return { topic: topics.inbox(checkLevel('agent id', target)) };
}

function isIterable(v: unknown): v is AsyncIterable<unknown> | Iterable<unknown> {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || Array.isArray(v)) return false;
  return Symbol.asyncIterator in v || Symbol.iterator in v;
}

export async function connectAgent(opts: ConnectAgentOptions): Promise<Agent> {
  const agentId = checkLevel('agent id', opts.agentId);
  const card: AgentCard = { input: ['application/json'], output: ['application/json'], ...opts.card, id: agentId };
  for (const s of card.skills) checkLevel('skill', s);
  const persistent = (opts.sessionExpirySec ?? 0) > 0;
  // Connect now but register the message handler before the CONNACK is processed: a resumed session
  // delivers its mailbox right after it.
  const client = mqtt.connect(opts.url, {
    protocolVersion: 5,
    clientId: agentId,
    clean: !persistent,
    properties: persistent ? { sessionExpiryInterval: opts.sessionExpirySec } : undefined,
    username: opts.username,
    password: opts.password,
    // Presence: the broker marks the agent offline when the connection dies without DISCONNECT.
    will: { topic: topics.status(agentId), payload: Buffer.from('offline'), qos: 1, retain: true },
    ...opts.mqtt,
  });
  const requester = new Requester();
  const handlers = new Map<string, Handler>();
  const directory = new Map<string, { card?: AgentCard; status: Presence }>();
  let directoryReady: Promise<void> | undefined;
  let closed = false;
  /** Requests (from a resumed session) for skills not served yet. */
  const parked: Array<{ payload: Buffer; packet: IPublishPacket; skill: string; pool: boolean }> = [];

  const publishReply = (packet: IPublishPacket, kind: ReplyKind, seq: number, value: unknown): Promise<unknown> => {
    const responseTopic = packet.properties?.responseTopic;
    if (!responseTopic) return Promise.resolve(); // fire-and-forget request
    const e = kind === 'end' ? { payload: Buffer.alloc(0), contentType: undefined } : kind === 'error' ? { payload: Buffer.from(String(value)), contentType: 'text/plain; charset=utf-8' } : encode(value);
    return client.publishAsync(responseTopic, e.payload, {
      qos: 1,
      properties: {
        correlationData: packet.properties?.correlationData,
        contentType: e.contentType,
        userProperties: { [props.kind]: kind, [props.seq]: String(seq) },
      },
    });
  };

  const handleRequest = async (payload: Buffer, packet: IPublishPacket, poolSkill?: string): Promise<void> => {
    const p = packet.properties;
    const skill = poolSkill ?? userProp(p?.userProperties, props.skill) ?? (handlers.size === 1 ? [...handlers.keys()][0] : card.skills.length === 1 ? card.skills[0] : undefined);
    const handler = skill === undefined ? undefined : handlers.get(skill);
    if (!handler && persistent && skill !== undefined && card.skills.includes(skill) && parked.length < 10_000) return void parked.push({ payload, packet, skill, pool: poolSkill !== undefined });
    if (!handler || skill === undefined) return void (await publishReply(packet, 'error', 0, `agent ${agentId} does not serve skill ${skill ?? '(none given)'}`).catch(() => {}));
    const deadline = Number(userProp(p?.userProperties, props.deadline));
    const ctx: RequestContext = { skill, from: userProp(p?.userProperties, props.from), deadline: Number.isFinite(deadline) ? deadline : undefined, contentType: p?.contentType };
    let seq = 0;
    try {
      const out = await handler(decode(payload, p?.contentType, p?.payloadFormatIndicator), ctx);
      if (!isIterable(out)) return void (await publishReply(packet, 'reply', 0, out));
      for await (const chunk of out as AsyncIterable<unknown>) await publishReply(packet, 'chunk', seq++, chunk);
      await publishReply(packet, 'end', seq, undefined);
    } catch (err) {
      if (closed) return;
      await publishReply(packet, 'error', seq, err instanceof Error ? err.message : String(err)).catch(() => {});
    }
  };

  client.on('message', (topic, payload, packet) => {
    if (topic === topics.replies(agentId)) return requester.onReply(payload, packet);
    if (topic === topics.inbox(agentId)) return void handleRequest(payload, packet);
    const parts = topic.split('/');
    if (parts.length === 3 && parts[0] === 'skills' && parts[2] === 'requests') return void handleRequest(payload, packet, parts[1]);
    const cardOf = agentOf(topic, 'card');
    const statusOf = agentOf(topic, 'status');
    const id = cardOf ?? statusOf;
    if (id === undefined) return;
    const entry = directory.get(id) ?? { status: 'unknown' as Presence };
    if (cardOf !== undefined) {
      if (payload.length === 0) entry.card = undefined;
      else {
        try {
          entry.card = JSON.parse(payload.toString('utf8')) as AgentCard;
        } catch {
          return; // not a card: ignored
        }
      }
    } else {
      const s = payload.toString('utf8');
      entry.status = s === 'online' || s === 'offline' ? s : 'unknown';
    }
    directory.set(id, entry);
  });
  client.on('close', () => {
    if (closed) requester.failAll(new AgentClosedError());
  });

  // Small request/reply packets must not wait for Nagle's algorithm (40 ms with delayed ACKs).
  const noDelay = (): void => (client.stream as { setNoDelay?: (v: boolean) => void } | undefined)?.setNoDelay?.(true);
  noDelay();
  client.on('connect', noDelay);
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => (client.end(true), reject(err));
    client.once('connect', () => (client.off('error', fail), resolve()));
    client.once('error', fail);
  });
  const announce = async (): Promise<void> => {
    await client.publishAsync(topics.card(agentId), JSON.stringify(card), { qos: 1, retain: true, properties: { contentType: 'application/json' } });
    await client.publishAsync(topics.status(agentId), 'online', { qos: 1, retain: true });
  };
  // mqtt.js re-subscribes after a reconnect; the will may have marked us offline meanwhile.
  client.on('connect', () => void announce().catch(() => {}));
  await client.subscribeAsync([topics.replies(agentId), topics.inbox(agentId)], { qos: 1 });
  await announce();

  const send = (target: string, input: unknown, timeoutMs: number, skill: string | undefined, id: Buffer): void => {
    const t = targetTopic(target);
    const e = encode(input);
    const userProperties: Record<string, string> = { [props.from]: agentId, [props.deadline]: String(Date.now() + timeoutMs) };
    const s = t.skill ?? skill;
    if (s !== undefined) userProperties[props.skill] = s;
    client
      .publishAsync(t.topic, e.payload, {
        qos: 1,
        properties: {
          responseTopic: topics.replies(agentId),
          correlationData: id,
          contentType: e.contentType,
          // A request nobody picked up before its deadline is dropped by the broker [MQTT-3.3.2-5].
          messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)),
          userProperties,
        },
      })
      .catch(() => {}); // a failed publish surfaces as the timeout
  };

  const once = (target: string, input: unknown, o: RequestOptions): Promise<unknown> => {
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (closed) return Promise.reject(new AgentClosedError());
    return new Promise((resolve, reject) => {
      const id = requester.newId();
      const chunks: unknown[] = [];
      const timer = setTimeout(() => (forget(), reject(new AgentTimeoutError(target, timeoutMs))), timeoutMs);
      const done = (): void => (clearTimeout(timer), forget());
      const forget = requester.register(id, {
        value: (v) => (done(), resolve(v)),
        chunk: (v) => chunks.push(v),
        end: () => (done(), resolve(chunks)),
        fail: (err) => (done(), reject(err)),
      });
      send(target, input, timeoutMs, o.skill, id);
    });
  };

  return {
    agentId,
    client,
    async serve(skill, handler) {
      checkLevel('skill', skill);
      const first = !handlers.has(skill);
      handlers.set(skill, handler);
      if (first) await client.subscribeAsync(topics.poolShare(skill), { qos: 1 });
      for (let i = 0; i < parked.length; ) {
        const r = parked[i]!;
        if (r.skill !== skill) i++;
        else void (parked.splice(i, 1), handleRequest(r.payload, r.packet, r.pool ? r.skill : undefined));
      }
    },
    async request(target, input, o = {}) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(target, input, o);
        } catch (err) {
          if (!(err instanceof AgentTimeoutError) || attempt >= (o.retries ?? 0) || closed) throw err;
        }
      }
    },
    stream(target, input, o = {}) {
      const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const id = requester.newId();
      let forget = (): void => {};
      const q = new ChunkQueue<unknown>(timeoutMs, () => new AgentTimeoutError(target, timeoutMs), () => forget());
      if (closed) q.fail(new AgentClosedError());
      else {
        forget = requester.register(id, { value: (v) => (q.push(v), q.end()), chunk: (v) => q.push(v), end: () => q.end(), fail: (err) => q.fail(err) });
        send(target, input, timeoutMs, o.skill, id);
      }
      return q;
    },
    async discover(o = {}) {
      if (!directoryReady) {
        // Retained cards and statuses arrive right after the SUBACK; then a quiet wait for the rest.
        directoryReady = client.subscribeAsync([topics.allCards, topics.allStatus], { qos: 1 }).then(() => new Promise((r) => setTimeout(r, o.waitMs ?? 200)));
      }
      await directoryReady;
      return [...directory.values()].filter((e) => e.card).map((e) => ({ ...e.card!, status: e.status }));
    },
    history(o) {
      const httpUrl = o.httpUrl ?? opts.httpUrl;
      if (!httpUrl) return Promise.reject(new TypeError('history() needs httpUrl (in connectAgent options or here)'));
      const auth: Record<string, string> = opts.username !== undefined ? { authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}` } : {};
      return history({ ...o, httpUrl, namespace: o.namespace ?? opts.namespace, headers: { ...auth, ...o.headers } });
    },
    async close() {
      if (closed) return;
      closed = true;
      requester.failAll(new AgentClosedError());
      if (!client.connected) return void (await client.endAsync(true)); // the will (if any) already said offline
      await client.publishAsync(topics.status(agentId), 'offline', { qos: 1, retain: true }).catch(() => {});
      await client.endAsync();
    },
  };
}
