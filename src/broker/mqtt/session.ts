/**
 * One MQTT session (MQTT 5.0 §4.1): subscriptions, the outgoing QoS 1/2 in-flight window, the queue of
 * messages waiting for the window or for the client to come back, and incoming QoS 2 packet ids.
 * Protocol-agnostic: the connection attaches a SessionLink that writes packets.
 */
import type { QoS } from 'mqtt-packet';
import type { Message, SessionSnapshot, Subscription } from './types.js';
import { NEVER_EXPIRES } from './types.js';
import { toDocument } from './record-codec.js';

/** One message on its way to this session. */
export interface Delivery {
  message: Message;
  qos: QoS;
  /** RETAIN flag as sent [MQTT-3.3.1-8, MQTT-3.3.1-12, MQTT-3.3.1-13]. */
  retain: boolean;
  subscriptionIds?: number[];
}

/** Implemented by the connection that currently owns the session. */
export interface SessionLink {
  /** The client's Receive Maximum: most unacknowledged QoS 1/2 PUBLISHes [MQTT-3.3.4-9]. */
  readonly receiveMaximum: number;
  /** Writes a PUBLISH; false when the packet could not be sent (too large for the client). */
  sendPublish(d: Delivery, packetId: number, dup: boolean): boolean;
  sendPubrel(packetId: number): void;
  /** Another connection with the same client id took the session over [MQTT-3.1.4-3]. */
  takenOver(): void;
}

export type DropReason = 'offline_qos0' | 'queue_full' | 'expired' | 'packet_too_large' | 'session_ended';

export interface SessionHooks {
  dropped(reason: DropReason, session: Session): void;
  /** The log cursor moved (persistent sessions): schedule a snapshot. */
  cursorMoved(session: Session): void;
  queuedDelta(n: number): void;
}

interface InFlight {
  delivery: Delivery;
  /** 'publish' = waiting for PUBACK/PUBREC; 'pubrel' = PUBREL sent, waiting for PUBCOMP. */
  state: 'publish' | 'pubrel';
}

export class Session {
  // The collections below are allocated on first use: an idle connection's session (most of them, in a
  // large fleet) then holds none of them (~0.75 KiB: an empty Map or Set already has a hash table).
  private subs: Map<string, Subscription> | undefined;
  private queued: Delivery[] | undefined;
  private flights: Map<number, InFlight> | undefined;
  /**
   * In-flight PUBLISH packet ids not resent yet on this connection, oldest first: a window taken over from an
   * earlier connection (or restored after a restart) can be larger than this client's Receive Maximum, and
   * the rest is resent, same ids, as acknowledgements make room [MQTT-3.3.4-9, MQTT-4.6.0-1].
   */
  private resendLater: number[] | undefined;
  private qos2: Set<number> | undefined;

  get subscriptions(): Map<string, Subscription> {
    return (this.subs ??= new Map());
  }

  get queue(): Delivery[] {
    return (this.queued ??= []);
  }

  get inflight(): Map<number, InFlight> {
    return (this.flights ??= new Map());
  }

  /** Incoming QoS 2 packet ids between PUBREC and PUBREL [MQTT-4.3.3-9]. */
  get incomingQos2(): Set<number> {
    return (this.qos2 ??= new Set());
  }

  link: SessionLink | undefined;
  expiryInterval = 0;
  /** User that opened the session (undefined = anonymous); only that user resumes it. */
  owner: string | undefined;
  disconnectedAt: number | undefined;
  ended = false;
  expiryTimer: NodeJS.Timeout | undefined;
  /** The will of the current connection [MQTT-3.1.2-7], and its delay in seconds. */
  will: { message: Message; delay: number } | undefined;
  willTimer: NodeJS.Timeout | undefined;
  /** Log offsets delivered to this session and not yet acknowledged. */
  private outstanding: Map<number, number> | undefined;
  cursor = 0;
  private nextId = 1;

  constructor(
    readonly namespace: string,
    readonly clientId: string,
    private readonly hooks: SessionHooks,
    private readonly maxQueued: number,
  ) {}

  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  snapshot(): SessionSnapshot {
    return {
      namespace: this.namespace,
      clientId: this.clientId,
      ...(this.owner !== undefined ? { owner: this.owner } : {}),
      expiryInterval: this.expiryInterval,
      subscriptions: [...this.subscriptions.values()],
      cursor: this.currentCursor(),
      disconnectedAt: this.disconnectedAt,
      ...(this.will ? { will: { document: toDocument(this.will.message).toString('base64'), delay: this.will.delay, retain: this.will.message.retain } } : {}),
      ...(this.flights?.size ? { inflight: this.inflightSnapshot() } : {}),
      ...(this.qos2?.size ? { incomingQos2: [...this.qos2] } : {}),
    };
  }

  private inflightSnapshot(): { id: number; offset: number; state: 'publish' | 'pubrel' }[] {
    const out: { id: number; offset: number; state: 'publish' | 'pubrel' }[] = [];
    for (const [id, f] of this.flights!) {
      const offset = f.delivery.message.logOffset;
      if (offset !== undefined) out.push({ id, offset, state: f.state });
    }
    return out;
  }

  /**
   * Restart recovery: puts a logged message back into the in-flight window under the packet id it was
   * sent with, so attach() resends it with DUP=1 (state 'publish') or resends the PUBREL ('pubrel').
   */
  restoreInflight(id: number, d: Delivery, state: 'publish' | 'pubrel'): void {
    this.track(d);
    this.inflight.set(id, { delivery: d, state });
  }

  /** Offset below which everything for this session was delivered and acknowledged. */
  currentCursor(): number {
    let min = Infinity;
    if (this.outstanding) for (const o of this.outstanding.keys()) if (o < min) min = o;
    return min === Infinity ? this.cursor : Math.min(min, this.cursor);
  }

  private track(d: Delivery): void {
    const o = d.message.logOffset;
    if (o === undefined || !this.persistent) return;
    this.outstanding ??= new Map();
    this.outstanding.set(o, (this.outstanding.get(o) ?? 0) + 1);
    if (o + 1 > this.cursor) this.cursor = o + 1;
  }

  private release(d: Delivery): void {
    const o = d.message.logOffset;
    if (o === undefined || !this.outstanding) return;
    const n = this.outstanding.get(o);
    if (n === undefined) return;
    if (n <= 1) this.outstanding.delete(o);
    else this.outstanding.set(o, n - 1);
    this.hooks.cursorMoved(this);
  }

  /** Routes one message to this session: send now, queue, or drop. */
  deliver(d: Delivery): void {
    if (this.ended) return this.hooks.dropped('session_ended', this);
    if (d.message.expiresAt !== undefined && d.message.expiresAt <= Date.now()) return this.hooks.dropped('expired', this);
    if (d.qos === 0) {
      if (!this.link) return this.hooks.dropped('offline_qos0', this);
      if (!this.link.sendPublish(d, 0, false)) this.hooks.dropped('packet_too_large', this);
      return;
    }
    if (this.link && this.queue.length === 0 && this.inflight.size < this.link.receiveMaximum) {
      this.track(d);
      this.send(d);
      return;
    }
    if (this.queue.length >= this.maxQueued) return this.hooks.dropped('queue_full', this);
    this.track(d);
    this.queue.push(d);
    this.hooks.queuedDelta(1);
  }

  private allocateId(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
    throw new Error('no free packet identifier');
  }

  private send(d: Delivery): void {
    const id = this.allocateId();
    if (!this.link!.sendPublish(d, id, false)) {
      this.release(d);
      this.hooks.dropped('packet_too_large', this);
      return;
    }
    this.inflight.set(id, { delivery: d, state: 'publish' });
    if (this.persistent) this.hooks.cursorMoved(this); // the in-flight window goes into the next snapshot
  }

  /** Sends queued messages while the client's receive window has room [MQTT-4.9.0-2]. */
  drain(): void {
    while (this.link && this.queued?.length && this.inflight.size < this.link.receiveMaximum) {
      const d = this.queued.shift()!;
      this.hooks.queuedDelta(-1);
      if (d.message.expiresAt !== undefined && d.message.expiresAt <= Date.now()) {
        this.release(d);
        this.hooks.dropped('expired', this);
        continue;
      }
      this.send(d);
    }
  }

  /** PUBACK (QoS 1) or PUBCOMP (QoS 2): the message is done [MQTT-4.3.2-4, MQTT-4.3.3-7]. */
  complete(packetId: number): boolean {
    const f = this.inflight.get(packetId);
    if (!f) return false;
    this.inflight.delete(packetId);
    this.release(f.delivery);
    this.resendWaiting();
    this.drain();
    return true;
  }

  /** Resends held-back in-flight PUBLISH packets (DUP, same id) while the client's window has room. */
  private resendWaiting(): void {
    const waiting = this.resendLater;
    if (!waiting || !this.link) return;
    while (waiting.length > 0 && this.inflight.size - waiting.length < this.link.receiveMaximum) {
      const id = waiting.shift()!;
      const f = this.inflight.get(id);
      if (f?.state === 'publish') this.link.sendPublish(f.delivery, id, true);
    }
    if (waiting.length === 0) this.resendLater = undefined;
  }

  /** PUBREC: answer with PUBREL; an error reason ends the flow [MQTT-4.3.3-4]. */
  received(packetId: number, failed: boolean): boolean {
    const f = this.inflight.get(packetId);
    if (!f) return false;
    if (failed) return this.complete(packetId);
    f.state = 'pubrel';
    if (this.persistent) this.hooks.cursorMoved(this);
    this.link?.sendPubrel(packetId);
    return true;
  }

  /**
   * A connection took this session over: resend the in-flight window in its order, PUBLISH with DUP and the
   * same packet id, PUBREL again [MQTT-4.4.0-1, MQTT-4.6.0-1]; never more unacknowledged PUBLISH packets than
   * the new connection's Receive Maximum [MQTT-3.3.4-9] (the rest follow as acknowledgements come); then drain.
   */
  attach(link: SessionLink): void {
    this.link = link;
    this.disconnectedAt = undefined;
    this.resendLater = undefined;
    let outstanding = 0;
    for (const [id, f] of this.flights ?? []) {
      outstanding++;
      if (f.state === 'pubrel') link.sendPubrel(id);
      else if (outstanding <= link.receiveMaximum && this.resendLater === undefined) link.sendPublish(f.delivery, id, true);
      else (this.resendLater ??= []).push(id);
    }
    this.drain();
  }

  detach(): void {
    this.link = undefined;
    this.resendLater = undefined;
    this.disconnectedAt = Date.now();
  }

  /** Drops all state (clean start, expiry). */
  end(): void {
    this.ended = true;
    this.hooks.queuedDelta(-(this.queued?.length ?? 0));
    this.queued = undefined;
    this.flights = undefined;
    this.resendLater = undefined;
    this.outstanding = undefined;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }

  expiresNever(): boolean {
    return this.expiryInterval === NEVER_EXPIRES;
  }
}
