/**
 * One Kafka client connection: length-prefixed framing (INT32 size), a request size limit, and pipelining:
 * requests are decoded and dispatched in arrival order, run concurrently, and answered strictly in
 * request order (Kafka protocol: "the server guarantees that on a single TCP connection, requests will be
 * processed in the order they are sent and responses will return in that order").
 *
 * Malformed frames, oversize sizes, unknown API keys and unsupported versions (other than ApiVersions,
 * which gets an UNSUPPORTED_VERSION answer, KIP-511) close the connection after the responses already
 * due have been written, with one log line; the broker keeps serving every other connection.
 */
import type { Socket } from 'node:net';
import { isStrataError } from '../../../errors.js';
import { decodeRequest, encodeApiVersionsFallback, encodeResponse } from '../codec/request.js';
import { KafkaError } from '../error-codes.js';
import type { Msg } from '../codec/schema.js';
import { AFTER_WRITE, type ConnectionState, type KafkaContext } from '../handlers/context.js';
import { handleApiVersions, HANDLERS } from '../handlers/index.js';
import type { KafkaMetrics } from '../metrics.js';

export interface ConnectionOptions {
  maxRequestBytes: number;
  saslRequired: boolean;
  /** Pause reading when this many requests await their turn. */
  maxInFlight: number;
  /** Close the connection after this long without traffic either way (0 = never). */
  idleMs: number;
}

interface Slot {
  ready: boolean;
  chunks?: Buffer[];
  closeAfter?: boolean;
  /** Called once the chunks are written (or dropped): releases what they point into (AFTER_WRITE). */
  afterWrite?: () => void;
}

const ALWAYS_ALLOWED = new Set([17, 18, 36]); // SaslHandshake, ApiVersions, SaslAuthenticate
/** Frame limit before authentication when SASL is required (Kafka: sasl.server.max.receive.size). */
const PRE_AUTH_MAX_BYTES = 512 * 1024;

export class KafkaConnection {
  readonly state: ConnectionState;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly queue: Slot[] = [];
  private closing = false;
  private flushQueued = false;
  private readonly abort = new AbortController();
  /** This connection's slot in its namespace's maxConnections quota, and that namespace. */
  private quotaSlot: { ns: string; release: () => void } | undefined;
  /** KIP-219: after a throttled Produce (v6+) nothing more is read until then (ms since the epoch). */
  private mutedUntil = 0;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly ctx: KafkaContext,
    private readonly metrics: KafkaMetrics,
    private readonly opts: ConnectionOptions,
    advertised: { host: string; port: number },
  ) {
    this.state = {
      id,
      advertised,
      namespace: ctx.settings.namespace,
      clientId: '',
      clientHost: socket.remoteAddress ?? '',
      authenticated: false,
      signal: this.abort.signal,
    };
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => ctx.logger.debug({ err, conn: id }, 'kafka socket error'));
    socket.on('close', () => {
      this.abort.abort();
      for (const slot of this.queue.splice(0)) slot.afterWrite?.();
      this.quotaSlot?.release();
    });
    // anonymous listeners: the namespace is known now; SASL ones count the connection once authenticated
    if (ctx.quotas && !opts.saslRequired && !this.takeQuotaSlot(this.state.namespace)) {
      ctx.logger.debug({ conn: id, remote: this.state.clientHost, namespace: this.state.namespace }, 'kafka connection refused: namespace at its maxConnections quota');
      this.closing = true;
      socket.destroy();
    }
    if (opts.idleMs > 0) {
      // as Kafka's connections.max.idle.ms: a silent socket (e.g. one that never authenticates) is not kept forever
      socket.setTimeout(opts.idleMs, () => {
        ctx.logger.debug({ conn: id, idleMs: opts.idleMs }, 'kafka connection idle: closing');
        socket.destroy();
      });
    }
  }

  /** Counts this connection in `ns` (moving it from the namespace it was counted in); false at the quota. */
  private takeQuotaSlot(ns: string): boolean {
    if (!this.ctx.quotas || this.quotaSlot?.ns === ns) return true;
    const release = this.ctx.quotas.openConnection(ns);
    if (!release) return false;
    this.quotaSlot?.release();
    this.quotaSlot = { ns, release };
    if (this.closed) release(); // the socket went away meanwhile
    return true;
  }

  /** A successful SaslAuthenticate that put the connection into a namespace at its maxConnections quota fails. */
  private admitAuthenticated(msg: Msg): Msg {
    if (this.takeQuotaSlot(this.state.namespace)) return msg;
    const errorMessage = `namespace ${this.state.namespace} is at its maxConnections quota`;
    this.ctx.logger.debug({ conn: this.state.id, user: this.state.user, namespace: this.state.namespace }, `kafka SASL authentication refused: ${errorMessage}`);
    this.state.authenticated = false;
    return { ...msg, errorCode: KafkaError.SASL_AUTHENTICATION_FAILED, errorMessage };
  }

  /** KIP-219: a throttled Produce v6+ is answered at once and the channel reads nothing for `ms`. */
  private mute(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.mutedUntil) return;
    this.mutedUntil = until;
    this.socket.pause();
    setTimeout(() => {
      if (this.mutedUntil !== until) return; // muted again for longer
      this.mutedUntil = 0;
      this.maybeResume();
    }, ms).unref();
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Ends the connection now (server stop). */
  destroy(): void {
    this.socket.destroy();
  }

  private fail(reason: string, detail: Record<string, unknown> = {}): void {
    if (this.closing) return;
    this.ctx.logger.warn({ conn: this.state.id, clientId: this.state.clientId, remote: this.state.clientHost, reason, ...detail }, 'kafka connection closed: protocol error');
    this.metrics.errors.inc({ reason });
    // answer what is already due, then close (see flush)
    this.queue.push({ ready: true, closeAfter: true });
    this.closing = true;
    this.buffered = [];
    this.flush();
  }

  private onData(d: Buffer): void {
    if (this.closing) return;
    this.metrics.bytes.inc({ direction: 'in' }, d.length);
    this.buffered.push(d);
    this.bufferedBytes += d.length;
    // a large frame arrives in many chunks: join them once, when the whole frame is here
    if (this.buffered.length > 1 && this.buffered[0].length >= 4 && this.bufferedBytes < this.buffered[0].readInt32BE(0) + 4) return;
    let buf = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    let pos = 0;
    while (!this.closing && buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      const limit = this.opts.saslRequired && !this.state.authenticated ? Math.min(PRE_AUTH_MAX_BYTES, this.opts.maxRequestBytes) : this.opts.maxRequestBytes;
      if (size < 8 || size > limit) {
        this.fail(size < 8 ? 'short_frame' : 'frame_too_large', { size, limit });
        return;
      }
      if (buf.length - pos - 4 < size) break;
      this.onFrame(buf.subarray(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    buf = buf.subarray(pos);
    this.buffered = buf.length > 0 ? [buf] : [];
    this.bufferedBytes = buf.length;
    if (this.queue.length >= this.opts.maxInFlight) this.socket.pause();
  }

  private onFrame(frame: Buffer): void {
    const started = process.hrtime.bigint();
    let decoded;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      this.fail('malformed_request', { message: isStrataError(err) ? err.message : String(err) });
      return;
    }
    const { header } = decoded;
    this.state.clientId = header.clientId ?? '';
    if (decoded.kind === 'unsupported') {
      if (header.apiKey === 18) {
        const slot: Slot = { ready: true, chunks: encodeApiVersionsFallback(header.correlationId, { ...handleApiVersions(), errorCode: KafkaError.UNSUPPORTED_VERSION }) };
        this.queue.push(slot);
        this.flush();
        return;
      }
      this.fail(decoded.api ? 'unsupported_version' : 'unknown_api_key', { apiKey: header.apiKey, apiVersion: header.apiVersion });
      return;
    }
    const { api, body } = decoded;
    if (this.opts.saslRequired && !this.state.authenticated && !ALWAYS_ALLOWED.has(api.key)) {
      this.fail('unauthenticated_request', { api: api.name });
      return;
    }
    this.metrics.requests.inc({ api: api.name, version: String(header.apiVersion) });
    const slot: Slot = { ready: false };
    this.queue.push(slot);
    const wasAuthenticated = this.state.authenticated;
    const handler = HANDLERS.get(api.key)!;
    let result;
    try {
      result = Promise.resolve(handler(body, header.apiVersion, this.state, this.ctx));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (msg) => {
        if (api.key === 36 && msg !== null && msg.errorCode === KafkaError.NONE && !wasAuthenticated && this.state.authenticated) msg = this.admitAuthenticated(msg);
        if (api.key === 0 && header.apiVersion >= 6 && msg !== null && (msg.throttleTimeMs as number) > 0) this.mute(msg.throttleTimeMs as number);
        slot.afterWrite = (msg as { [AFTER_WRITE]?: () => void } | null)?.[AFTER_WRITE];
        if (this.closed) slot.afterWrite?.();
        try {
          slot.chunks = msg === null ? undefined : encodeResponse(api, header.apiVersion, header.correlationId, msg);
        } catch (err) {
          // a response that cannot be encoded costs this connection, never the process (unhandled rejection)
          this.ctx.logger.error({ err, conn: this.state.id, api: api.name, version: header.apiVersion }, 'kafka response encoding failed');
          slot.ready = true;
          slot.closeAfter = true;
          this.flush();
          return;
        }
        slot.ready = true;
        // a failed SaslAuthenticate is answered, then the connection closes, as Kafka does: no password
        // guessing over one connection
        if (api.key === 36 && msg !== null && msg.errorCode !== KafkaError.NONE) slot.closeAfter = true;
        this.metrics.requestSeconds.observe({ api: api.name }, Number(process.hrtime.bigint() - started) / 1e9);
        this.scheduleFlush();
      },
      (err) => {
        this.ctx.logger.error({ err, conn: this.state.id, api: api.name, version: header.apiVersion }, 'kafka request failed');
        slot.ready = true;
        slot.closeAfter = true;
        this.flush();
      },
    );
  }

  /**
   * Flushes once the promise jobs queued so far have run: responses that complete together (one WAL object
   * acknowledges every produce request it holds) leave in one write instead of one system call each.
   */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.queue.length > 0 && this.queue[0].ready) {
      const slot = this.queue.shift()!;
      if (slot.chunks) {
        if (!wrote) this.socket.cork();
        wrote = true;
        const last = slot.chunks.length - 1;
        for (let i = 0; i <= last; i++) {
          const c = slot.chunks[i]!;
          this.metrics.bytes.inc({ direction: 'out' }, c.length);
          // afterWrite runs once the socket has written (or failed to write) the response: it let go of it
          if (i === last && slot.afterWrite) this.socket.write(c, slot.afterWrite);
          else this.socket.write(c);
        }
      } else slot.afterWrite?.();
      if (slot.closeAfter) {
        if (wrote) this.socket.uncork();
        this.socket.end();
        setTimeout(() => this.socket.destroy(), 1000).unref();
        for (const dropped of this.queue.splice(0)) dropped.afterWrite?.();
        return;
      }
    }
    if (wrote) this.socket.uncork();
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.closing || this.closed || this.mutedUntil > Date.now()) return;
    if (this.queue.length < this.opts.maxInFlight && !this.socket.writableNeedDrain) this.socket.resume();
    else if (this.socket.writableNeedDrain) this.socket.pause();
  }
}
