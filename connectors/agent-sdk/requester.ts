/**
 * The requesting side of agent channels: correlation ids, reply re-ordering by sequence number, timeouts.
 * One Requester per connection; replies arrive on `agents/<self>/replies` and are routed by correlation data.
 */
import { randomBytes } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import { decode, props, userProp, type ReplyKind } from './topics.js';

export class AgentTimeoutError extends Error {
  readonly code = 'AGENT_TIMEOUT';
  constructor(target: string, ms: number) {
    super(`no reply from ${target} within ${ms} ms`);
    this.name = 'AgentTimeoutError';
  }
}

export class AgentRequestError extends Error {
  readonly code = 'AGENT_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

export class AgentClosedError extends Error {
  readonly code = 'AGENT_CLOSED';
  constructor() {
    super('agent connection closed');
    this.name = 'AgentClosedError';
  }
}

interface Sink {
  value(v: unknown): void;
  chunk(v: unknown): void;
  end(): void;
  fail(err: Error): void;
}

interface Pending {
  sink: Sink;
  next: number;
  buffered: Map<number, { kind: ReplyKind; value: unknown }>;
}

export class Requester {
  private readonly pending = new Map<string, Pending>();

  /** A fresh correlation id (16 random bytes). */
  newId(): Buffer {
    return randomBytes(16);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  register(id: Buffer, sink: Sink): () => void {
    const key = id.toString('hex');
    this.pending.set(key, { sink, next: 0, buffered: new Map() });
    return () => void this.pending.delete(key);
  }

  /** Handles one message on the replies topic; replies for unknown (timed-out) ids are dropped. */
  onReply(payload: Buffer, packet: IPublishPacket): void {
    const p = packet.properties;
    const cd = p?.correlationData;
    if (!cd) return;
    const key = Buffer.from(cd).toString('hex');
    const entry = this.pending.get(key);
    if (!entry) return;
    const kind = (userProp(p?.userProperties, props.kind) ?? 'reply') as ReplyKind;
    const seq = Number(userProp(p?.userProperties, props.seq) ?? entry.next);
    let value: unknown;
    try {
      value = kind === 'error' ? payload.toString('utf8') : decode(payload, p?.contentType, p?.payloadFormatIndicator);
    } catch (err) {
      this.pending.delete(key);
      entry.sink.fail(new AgentRequestError(`undecodable reply: ${(err as Error).message}`));
      return;
    }
    if (!Number.isInteger(seq) || seq < entry.next) return; // duplicate (QoS 1 redelivery) or garbage
    entry.buffered.set(seq, { kind, value });
    // Deliver in sequence order; a gap waits for the missing message.
    for (let m = entry.buffered.get(entry.next); m; m = entry.buffered.get(entry.next)) {
      entry.buffered.delete(entry.next);
      entry.next++;
      if (m.kind === 'chunk') {
        entry.sink.chunk(m.value);
        continue;
      }
      this.pending.delete(key);
      if (m.kind === 'reply') entry.sink.value(m.value);
      else if (m.kind === 'end') entry.sink.end();
      else entry.sink.fail(new AgentRequestError(String(m.value)));
      return;
    }
  }

  /** Fails every pending request (connection closed). */
  failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const e of all) e.sink.fail(err);
  }
}

/** A push-driven async iterable with an idle timeout; `onDone` runs once when it finishes in any way. */
export class ChunkQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onTimeout: () => Error,
    private readonly onDone: () => void,
  ) {
    this.arm();
  }

  push(v: T): void {
    if (this.done) return;
    this.items.push(v);
    this.arm();
    this.signal();
  }

  end(): void {
    this.finish();
  }

  fail(err: Error): void {
    if (this.done) return;
    this.error = err;
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.onDone();
    this.signal();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fail(this.onTimeout()), this.idleMs);
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.items.length) {
          yield this.items.shift()!;
          continue;
        }
        if (this.done) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.finish(); // the consumer stopped early: forget the request
    }
  }
}
