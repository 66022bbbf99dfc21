/**
 * The MQTT broker core: namespaces (tenants) each with a subscription trie, retained store and sessions;
 * publish routing; session lifecycle (clean start, takeover, expiry); wills with delay; durability
 * through MqttPersistence (acked means durable: publish() resolves only after what must survive a
 * restart is persisted). Protocol-agnostic: src/protocol/mqtt drives it.
 */
import type { Logger } from 'pino';
import type { MqttPersistence } from './persistence.js';
import { RetainedStore } from './retained.js';
import { route } from './router.js';
import { Session, type DropReason, type SessionHooks } from './session.js';
import { SubscriptionTrie } from './trie.js';
import { parseShared, topicMatches } from './topic.js';
import { NEVER_EXPIRES, type Message, type Subscription } from './types.js';
import { replaySessions } from './replay.js';
import { LogAppender } from './appender.js';

export interface BrokerMetrics {
  routed(n: number): void;
  dropped(reason: DropReason): void;
  queued(delta: number): void;
}

export interface LogTopicRule {
  /** MQTT topic filter. */
  filter: string;
  /** Log topic (in the same namespace) that receives matching messages. */
  topic: string;
}

export interface BrokerOptions {
  persistence: MqttPersistence;
  logger: Logger;
  /** Per-session queue bound (QoS 1/2 messages waiting). Default 1000. */
  maxQueuedMessages?: number;
  /** Upper bound on session expiry, seconds. Default never. */
  maxSessionExpiry?: number;
  logTopics?: LogTopicRule[];
  metrics?: BrokerMetrics;
  /** How often dirty session cursors are written (ms). Default 500. */
  cursorFlushMs?: number;
}

export interface Space {
  readonly namespace: string;
  readonly trie: SubscriptionTrie<Subscription>;
  readonly retained: RetainedStore;
  readonly sessions: Map<string, Session>;
}

const NOOP_METRICS: BrokerMetrics = { routed() {}, dropped() {}, queued() {} };

export class Broker {
  readonly spaces = new Map<string, Space>();
  readonly persistence: MqttPersistence;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly stats = { published: 0, routed: 0, dropped: 0, queued: 0 };
  private readonly maxQueued: number;
  private readonly maxExpiry: number;
  private readonly logTopics: LogTopicRule[];
  private readonly dirty = new Set<Session>();
  private readonly saving = new Map<Session, Promise<void>>();
  private readonly queuedSaves = new Map<Session, Promise<void>>();
  private readonly hooks: SessionHooks;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly appender: LogAppender;

  constructor(options: BrokerOptions) {
    this.persistence = options.persistence;
    this.appender = new LogAppender(options.persistence);
    this.logger = options.logger;
    this.metrics = options.metrics ?? NOOP_METRICS;
    this.maxQueued = options.maxQueuedMessages ?? 1000;
    this.maxExpiry = options.maxSessionExpiry ?? NEVER_EXPIRES;
    this.logTopics = options.logTopics ?? [];
    this.hooks = {
      dropped: (reason) => {
        this.stats.dropped++;
        this.metrics.dropped(reason);
      },
      cursorMoved: (s) => {
        if (s.persistent) this.dirty.add(s);
      },
      queuedDelta: (n) => {
        this.stats.queued += n;
        this.metrics.queued(n);
      },
    };
    this.flushTimer = setInterval(() => void this.flushCursors(), options.cursorFlushMs ?? 500);
    this.flushTimer.unref();
  }

  space(namespace: string): Space {
    let s = this.spaces.get(namespace);
    if (!s) this.spaces.set(namespace, (s = { namespace, trie: new SubscriptionTrie(), retained: new RetainedStore(), sessions: new Map() }));
    return s;
  }

  newSession(namespace: string, clientId: string): Session {
    return new Session(namespace, clientId, this.hooks, this.maxQueued);
  }

  /** Loads retained messages and persistent sessions, and replays undelivered messages from the log. */
  async start(): Promise<void> {
    for (const m of await this.persistence.loadRetained()) this.space(m.namespace ?? 'default').retained.set(m);
    await replaySessions(this, this.persistence.loadSessions());
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    for (const space of this.spaces.values())
      for (const s of space.sessions.values()) {
        if (s.expiryTimer) clearTimeout(s.expiryTimer);
        if (s.willTimer) clearTimeout(s.willTimer);
      }
    await this.flushCursors();
    await Promise.allSettled(this.saving.values());
  }

  /**
   * Persists a session snapshot, one write at a time per session, newest state last. The snapshot is taken
   * when the write starts, so callers that come while one is queued (not started) share it: a burst of QoS 2
   * PUBREC/PUBCOMP waits on a session costs at most one write in progress and one queued.
   */
  save(session: Session): Promise<void> {
    const queued = this.queuedSaves.get(session);
    if (queued) return queued;
    this.dirty.delete(session);
    const prev = this.saving.get(session) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => {
      this.queuedSaves.delete(session);
      return session.ended ? undefined : this.persistence.saveSession(session.snapshot());
    });
    this.queuedSaves.set(session, next);
    this.saving.set(session, next);
    void next.finally(() => {
      if (this.saving.get(session) === next) this.saving.delete(session);
    }).catch(() => {});
    return next;
  }

  async flushCursors(): Promise<void> {
    const list = [...this.dirty];
    await Promise.all(list.map((s) => this.save(s).catch((err) => this.logger.warn({ err, clientId: s.clientId }, 'session save failed'))));
  }

  /**
   * Opens (or resumes) the session for a CONNECT. Returns the session and whether state was present
   * [MQTT-3.2.2-2, MQTT-3.2.2-3]. The caller sends CONNACK, then calls session.attach(link).
   */
  async connect(namespace: string, clientId: string, cleanStart: boolean, expiryInterval: number, will?: { message: Message; delay: number }, owner?: string): Promise<{ session: Session; present: boolean }> {
    const space = this.space(namespace);
    let session = space.sessions.get(clientId);
    if (session?.link) {
      const old = session.link;
      session.detach();
      old.takenOver();
      this.fireWillOnTakeover(session);
    }
    if (session) {
      if (session.willTimer) clearTimeout(session.willTimer); // reconnected within the will delay [MQTT-3.1.3-9]
      session.willTimer = undefined;
      session.will = undefined;
      if (session.expiryTimer) clearTimeout(session.expiryTimer);
      session.expiryTimer = undefined;
    }
    let present = true;
    // another user's session is never resumed: its subscriptions passed that user's ACL, not this one's
    if (!session || cleanStart || session.owner !== owner) {
      if (session) this.endSession(session); // [MQTT-3.1.2-4]
      session = this.newSession(namespace, clientId);
      session.owner = owner;
      space.sessions.set(clientId, session);
      present = false;
    }
    const wasPersistent = session.persistent;
    session.expiryInterval = Math.min(expiryInterval, this.maxExpiry);
    session.will = will;
    session.disconnectedAt = undefined;
    if (session.persistent && !wasPersistent) session.cursor = await this.persistence.highWatermark(namespace);
    if (session.persistent) await this.save(session);
    else if (wasPersistent) await this.persistence.deleteSession(namespace, clientId);
    return { session, present };
  }

  private fireWillOnTakeover(session: Session): void {
    const w = session.will;
    session.will = undefined;
    if (w && w.delay === 0) void this.publishSafe(session.namespace, w.message);
  }

  /**
   * The network connection of `session` ended. `sendWill` is false after a normal DISCONNECT (0x00)
   * [MQTT-3.1.2-8, MQTT-3.14.4-3]. Wills wait for min(will delay, session expiry) [MQTT-3.1.3-9].
   */
  disconnect(session: Session, sendWill: boolean, expiryInterval = session.expiryInterval): void {
    if (session.ended) return;
    session.detach();
    session.expiryInterval = Math.min(expiryInterval, this.maxExpiry);
    const will = session.will;
    session.will = undefined;
    if (will && sendWill) {
      const delay = Math.min(will.delay, session.expiryInterval);
      if (delay === 0) void this.publishSafe(session.namespace, will.message);
      else this.scheduleWill(session, will, delay);
    }
    if (session.expiryInterval === 0) return this.expire(session);
    if (session.persistent) void this.save(session).catch((err) => this.logger.warn({ err }, 'session save failed'));
    if (!session.expiresNever()) {
      session.expiryTimer = setTimeout(() => this.expire(session), session.expiryInterval * 1000);
      session.expiryTimer.unref();
    }
  }

  /** Publishes the will after `delay` seconds unless the client comes back first; persisted with the session. */
  scheduleWill(session: Session, will: { message: Message; delay: number }, delay: number): void {
    session.will = will;
    session.willTimer = setTimeout(() => {
      session.will = undefined;
      session.willTimer = undefined;
      void this.publishSafe(session.namespace, will.message)
        .then(() => (session.persistent && !session.ended ? this.save(session) : undefined))
        .catch((err) => this.logger.warn({ err, clientId: session.clientId }, 'session save failed')); // never an unhandled rejection (fatal in `strata start`)
    }, delay * 1000);
    session.willTimer.unref();
  }

  /** The session ended: a pending will goes out now [MQTT-3.1.3-9], state is dropped. */
  expire(session: Session): void {
    if (session.willTimer && session.will) {
      clearTimeout(session.willTimer);
      void this.publishSafe(session.namespace, session.will.message);
    }
    this.endSession(session);
  }

  private endSession(session: Session): void {
    const space = this.space(session.namespace);
    for (const sub of session.subscriptions.values()) this.untrie(space, session.clientId, sub.filter);
    session.end();
    this.dirty.delete(session);
    if (space.sessions.get(session.clientId) === session) space.sessions.delete(session.clientId);
    void this.persistence.deleteSession(session.namespace, session.clientId).catch((err) => this.logger.warn({ err }, 'session delete failed'));
  }

  private untrie(space: Space, clientId: string, filter: string): boolean {
    const shared = parseShared(filter);
    return shared ? space.trie.remove(shared.filter, clientId, shared.group) : space.trie.remove(filter, clientId);
  }

  /** Adds subscriptions (filters already validated and authorized); returns whether each existed. */
  async subscribe(session: Session, subs: Subscription[]): Promise<boolean[]> {
    const space = this.space(session.namespace);
    const existed = subs.map((sub) => {
      const shared = parseShared(sub.filter);
      session.subscriptions.set(sub.filter, sub);
      return shared ? space.trie.add(shared.filter, session.clientId, sub, shared.group) : space.trie.add(sub.filter, session.clientId, sub);
    });
    if (session.persistent) await this.save(session);
    return existed;
  }

  /** Sends retained messages for new subscriptions per retain handling [MQTT-3.3.1-9, MQTT-3.3.1-10, MQTT-3.3.1-11]. */
  sendRetained(session: Session, subs: Subscription[], existed: boolean[]): void {
    const space = this.space(session.namespace);
    subs.forEach((sub, i) => {
      if (sub.retainHandling === 2 || (sub.retainHandling === 1 && existed[i])) return;
      if (parseShared(sub.filter)) return; // not sent for shared subscriptions [MQTT-4.8.2-?; MQTT 5.0 §4.8.2]
      for (const m of space.retained.match(sub.filter)) {
        session.deliver({ message: m, qos: (m.qos < sub.qos ? m.qos : sub.qos) as 0 | 1 | 2, retain: true, subscriptionIds: sub.subscriptionId ? [sub.subscriptionId] : undefined });
      }
    });
  }

  async unsubscribe(session: Session, filters: string[]): Promise<boolean[]> {
    const space = this.space(session.namespace);
    const found = filters.map((f) => {
      const had = session.subscriptions.delete(f);
      if (had) this.untrie(space, session.clientId, f);
      return had;
    });
    if (session.persistent) await this.save(session);
    return found;
  }

  private publishSafe(namespace: string, message: Message): Promise<void> {
    return Promise.resolve(this.publish(namespace, message)).catch((err) => this.logger.warn({ err, topic: message.topic }, 'publish failed'));
  }

  /**
   * Publishes one message. Returns undefined when it was routed synchronously with nothing to persist,
   * else a promise that resolves once everything that must be durable is, and the message is routed.
   * Callers acknowledge QoS 1/2 publishes only after it resolves (acked means durable).
   *
   * Copies of a QoS 1 message for `mqttLogTopics` do not hold up its delivery, only its acknowledgement:
   * a subscriber may get the message while the copy is still being flushed (a request/response round
   * trip would otherwise wait for two WAL flushes). If the copy then fails, or the node dies first, the
   * publisher gets no success PUBACK and sends again, which QoS 1 (at least once) allows. QoS 2, the
   * session log (persistent sessions need the log offset first) and retained copies still wait.
   */
  publish(namespace: string, message: Message): Promise<void> | undefined {
    this.stats.published++;
    const space = this.space(namespace);
    const waits: Promise<unknown>[] = [];
    const sys = message.topic.startsWith('$SYS/'); // broker statistics are not persisted
    if (message.retain) {
      if (message.payload.length === 0) {
        space.retained.delete(message.topic); // [MQTT-3.3.1-6]
        if (!sys) waits.push(this.persistence.deleteRetained(namespace, message.topic));
      } else {
        const stored = { ...message, namespace };
        space.retained.set(stored); // [MQTT-3.3.1-5]
        if (!sys) waits.push(this.persistence.putRetained(namespace, stored));
      }
    }
    /** Durable before the acknowledgement only (not before delivery). */
    const acked: Promise<unknown>[] = [];
    for (const rule of this.logTopics) if (topicMatches(rule.filter, message.topic)) (message.qos === 1 ? acked : waits).push(this.persistence.export(namespace, rule.topic, message));
    const targets = route(space.trie, space.sessions, message);
    const needLog = message.qos > 0 && targets.some((t) => t.qos > 0 && t.session.persistent);
    if (needLog) {
      const picked = targets.filter((t) => t.shared && t.session.persistent).map((t) => t.session.clientId);
      const logged = picked.length ? { ...message, sharedTargets: picked } : message;
      waits.push(this.appender.append(namespace, logged).then((o) => (message.logOffset = o)));
    }
    const deliver = (): void => {
      for (const t of targets) t.session.deliver({ message, qos: t.qos, retain: t.retain, subscriptionIds: t.subscriptionIds });
      this.stats.routed += targets.length;
      this.metrics.routed(targets.length);
    };
    if (waits.length === 0 || message.qos === 0) {
      for (const w of waits) w.catch((err) => this.logger.warn({ err, topic: message.topic }, 'persisting a QoS 0 message failed'));
      if (!needLog) {
        deliver();
        if (acked.length) return Promise.all(acked).then(() => undefined);
        // QoS 0: nothing acknowledges it, but a caller may bound how many durable copies it has waiting (the
        // MQTT connection's flood bound); failures are logged above, so this never rejects
        return waits.length ? Promise.allSettled(waits).then(() => undefined) : undefined;
      }
    }
    const routed = Promise.all(waits).then(deliver);
    return acked.length ? Promise.all([routed, ...acked]).then(() => undefined) : routed;
  }
}
