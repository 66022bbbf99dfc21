/**
 * One MQTT network connection (TCP, TLS, WebSocket or an in-memory duplex): framing with mqtt-packet,
 * the CONNECT gate, dispatch, keep-alive, inbound packet-size limit, outgoing packets (batched per
 * tick with cork/uncork), and the SessionLink the broker delivers through.
 */
import type { Duplex } from 'node:stream';
import mqtt, { type Packet } from 'mqtt-packet';
import type { Logger } from 'pino';
import type { Broker } from '../../broker/mqtt/broker.js';
import type { Delivery, Session, SessionLink } from '../../broker/mqtt/session.js';
import type { Authenticator, Authorizer, ClientIdentity } from '../../auth/types.js';
import type { QuotaEnforcer } from '../../broker/tenants/types.js';
import type { ScramLookup } from '../../auth/scram-lookup.js';
import type { MqttMetrics } from './metrics.js';
import { RC } from './reason-codes.js';
import { encodeV4, encodeV5, type V5Outbound } from './outbound.js';
import { handleConnect, rejectUnsupportedVersion } from './connect.js';
import { handlePublish, handlePubrel, handleAck } from './inbound.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';
import { createParser, parserIdle } from './parser.js';
import { decodeHot, decodeHotRun, joinSplit, splitHotStart } from './fast-parse.js';

const NO_ALIASES: ReadonlyMap<string, number> = new Map();
/** Largest packet kept across a chunk boundary without a parser (larger ones: mqtt-packet's buffer list). */
const SPLIT_MAX = 64 * 1024;
/**
 * Work a client's packets started that no protocol window bounds (SUBSCRIBE/UNSUBSCRIBE in progress, QoS 0
 * publishes waiting for a durable copy; QoS 1/2 are bounded by Receive Maximum): at FLOOD_HIGH pieces the
 * socket is not read until they fall to FLOOD_LOW, so a flooding client costs at most FLOOD_HIGH pieces plus
 * one socket read, and the broker keeps serving everyone else.
 */
export const FLOOD_HIGH = 256;
const FLOOD_LOW = 64;

export interface MqttLimits {
  /** Largest packet accepted from a client and announced in CONNACK (bytes). */
  maxPacketSize: number;
  /** Server Receive Maximum: QoS 1/2 publishes a client may have unacknowledged. */
  receiveMaximum: number;
  /** Most unacknowledged QoS 1/2 messages sent to one client (also bounded by its Receive Maximum). */
  maxInflight: number;
  topicAliasMaximum: number;
  /** Upper bound on keep-alive in seconds (0 = none); announced as Server Keep Alive in v5. */
  maxKeepAlive: number;
  maxTopicLength: number;
  /** Close connections that send no CONNECT within this time (ms). */
  connectTimeoutMs: number;
  /** Bytes buffered for a client above which QoS 0 messages to it are dropped. */
  maxWriteBuffer: number;
  /** Response Information returned when a v5 client requests it (empty = none). */
  responseInformation: string;
}

export interface ConnectionContext {
  broker: Broker;
  logger: Logger;
  metrics: MqttMetrics;
  limits: MqttLimits;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** Stored SCRAM keys for MQTT 5 enhanced authentication (enhanced-auth.ts); undefined = none offered. */
  scram?: ScramLookup;
  /** Per-namespace quotas (src/broker/tenants/quotas.ts); undefined = none. */
  quotas?: QuotaEnforcer;
  onOpen(c: MqttConnection): void;
  onClose(c: MqttConnection): void;
}

export class MqttConnection implements SessionLink {
  version: 3 | 4 | 5 = 4;
  state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  session: Session | undefined;
  identity: ClientIdentity | undefined;
  keepAlive = 0;
  seen = true;
  deadline = 0;
  receiveMaximum = 65535;
  /** The client's Maximum Packet Size; 0 = unlimited [MQTT-3.1.2-24]. */
  maxOutgoing = 0;
  /** Outbound topic aliases; the map is allocated only for v5 clients that allow aliases. */
  readonly out: V5Outbound = { aliases: NO_ALIASES, aliasMax: 0 };
  /** Inbound topic aliases, allocated on first use. */
  inAliases: Map<number, string> | undefined;
  /** Inbound QoS 1/2 publishes not yet acknowledged by us (flow control [MQTT-3.3.4-7]). */
  inboundPending = 0;
  /** PUBACK/PUBREC order follows PUBLISH order [MQTT-4.6.0-2]. */
  ackChain: Promise<void> | undefined;
  ctlChain: Promise<void> | undefined;
  private pending: Packet[] | undefined;
  /**
   * mqtt-packet's parser, only while it is needed: for CONNECT, for packets the hot-path decoder does not
   * take, and for a packet split across chunks. An open connection drops it as soon as it holds no partial
   * packet, so an idle connection keeps none (~0.6 KiB each: parser, packet, buffer list, bound closures).
   */
  private parser: mqtt.Parser | undefined = this.newParser();
  /** The first bytes of a PUBLISH or acknowledgement that the last socket chunk cut (no parser meanwhile). */
  private split: Buffer | undefined;
  private corked = false;
  private connectTimer: NodeJS.Timeout | undefined;
  willSent = true;
  /** Frees this connection's slot of its namespace's maxConnections quota; called once, on any close. */
  releaseQuota: (() => void) | undefined;
  /** Packets waiting while a PUBLISH waits for its namespace's rate quota (3.1.1 backpressure, see holdFor). */
  private held: Packet[] | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  /** Unbounded-by-protocol work in progress (see FLOOD_HIGH), and whether it paused reading. */
  floodWork = 0;
  private floodPaused = false;

  constructor(readonly stream: Duplex, readonly ctx: ConnectionContext, readonly remote: { address?: string; loopback: boolean; cn?: string }) {
    stream.on('data', (buf: Buffer) => this.onData(buf));
    stream.on('error', () => this.onClosed());
    stream.on('close', () => this.onClosed());
    stream.on('end', () => stream.end());
    this.connectTimer = setTimeout(() => this.destroy(), ctx.limits.connectTimeoutMs);
    this.connectTimer.unref();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get clientId(): string | undefined {
    return this.session?.clientId;
  }

  private newParser(): mqtt.Parser {
    const parser = createParser(this.state === 'new' ? undefined : this.version);
    parser.on('packet', (p: Packet) => this.onPacket(p));
    parser.on('error', (err: Error) => this.onParseError(err));
    return parser;
  }

  /** The protocol version is known (CONNECT): later packets are parsed as that version. */
  setParserVersion(version: number): void {
    if (this.parser) (this.parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
  }

  private onData(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.seen = true;
    this.ctx.metrics.bytes('in', buf.length);
    try {
      let o = 0;
      let toParser = false;
      if (this.split) {
        // the rest of a hot packet the last chunk cut
        const head = this.split;
        this.split = undefined;
        const j = joinSplit(head, buf, this.ctx.limits.maxPacketSize);
        const d = typeof j === 'string' ? undefined : decodeHot(j.packet, 0, this.version);
        if (typeof j === 'string' || !d) {
          // still incomplete (a packet cut twice: mqtt-packet's buffer list takes it from here, no copying per
          // chunk), a length over the limit, or content the hot decoder leaves to mqtt-packet
          buf = Buffer.concat([head, buf]);
          toParser = true;
        } else {
          this.onPacket(d.packet);
          if (this.closed) return;
          o = j.used;
        }
      }
      if (!this.parser && !toParser) {
        // open and between packets: complete hot packets need no parser
        o = decodeHotRun(buf, this.version, (p) => this.onPacket(p), () => this.state === 'open', o);
        if (o === buf.length || this.closed) return;
        if (this.state === 'open' && splitHotStart(buf, o, Math.min(this.ctx.limits.maxPacketSize, SPLIT_MAX))) {
          // a hot packet cut by the chunk boundary: keep its bytes (a copy, not a view pinning the chunk)
          this.split = Buffer.from(buf.subarray(o));
          return;
        }
      }
      const parser = (this.parser ??= this.newParser());
      parser.parse(o === 0 ? buf : buf.subarray(o));
      // reject an oversized packet as soon as its length is known, before buffering it [MQTT-3.2.2-15]
      const len = (parser as unknown as { packet: { length: number } }).packet.length;
      if (len > this.ctx.limits.maxPacketSize) return this.protocolClose(RC.PACKET_TOO_LARGE, 'packet too large');
      if (this.state === 'open' && this.parser === parser && parserIdle(parser)) this.parser = undefined;
    } catch (err) {
      // a handler bug must cost one connection, never the process
      this.ctx.logger.error({ err, clientId: this.clientId }, 'mqtt packet handling failed');
      return this.protocolClose(RC.IMPLEMENTATION_SPECIFIC_ERROR, 'internal error');
    }
  }

  private onParseError(err: Error): void {
    if (this.state === 'closed') return;
    this.ctx.logger.debug({ err: err.message, clientId: this.clientId }, 'malformed packet');
    if (this.state === 'new' && /protocol version/i.test(err.message)) return rejectUnsupportedVersion(this);
    this.protocolClose(RC.MALFORMED_PACKET, err.message);
  }

  private onPacket(p: Packet): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.packet(p.cmd, 'in');
    if ((p.length ?? 0) > this.ctx.limits.maxPacketSize) return this.protocolClose(RC.PACKET_TOO_LARGE, 'packet too large');
    if (this.state === 'new') {
      if (p.cmd !== 'connect') return this.destroy(); // [MQTT-3.1.0-1]
      this.state = 'connecting';
      // read nothing more until CONNACK: what follows CONNECT in this chunk is queued, the rest waits in
      // the socket, so an unauthenticated client cannot make `pending` grow while authentication runs
      this.stream.pause();
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined; // keep no Timeout object per idle connection
      handleConnect(this, p).catch((err) => {
        this.ctx.logger.warn({ err }, 'connect failed');
        this.destroy();
      });
      return;
    }
    if (this.state === 'connecting') {
      const waiter = this.authWaiter;
      if (waiter) {
        // an enhanced-authentication exchange reads one packet at a time, and it must be the AUTH (§4.12)
        this.authWaiter = undefined;
        this.stream.pause();
        return waiter(p); // enhanced-auth.ts refuses anything but AUTH with CONNACK 0x82
      }
      (this.pending ??= []).push(p);
      return;
    }
    this.dispatch(p);
  }

  private authWaiter: ((p: Packet | undefined) => void) | undefined;
  /** The MQTT 5 authentication method the connection authenticated with (enhanced-auth.ts), if any. */
  authMethod: string | undefined;

  /**
   * The client's next packet during CONNECT's authentication exchange, which must be an AUTH; undefined
   * when the connection closes or nothing comes within `ms` (the connection is then closed).
   */
  nextAuth(ms: number): Promise<Packet | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.authWaiter = undefined;
        resolve(undefined);
        this.destroy();
      }, ms);
      this.authWaiter = (p) => {
        clearTimeout(timer);
        resolve(p);
      };
      const onClose = (): void => {
        if (!this.authWaiter) return;
        this.authWaiter = undefined;
        clearTimeout(timer);
        resolve(undefined);
      };
      this.stream.once('close', onClose);
      this.stream.resume();
    });
  }

  /** Called by handleConnect once CONNACK went out. */
  opened(): void {
    this.state = 'open';
    this.ctx.onOpen(this);
    const queued = this.pending;
    this.pending = undefined;
    if (queued) for (const p of queued) if (this.state === 'open') this.dispatch(p);
    if (this.parser && parserIdle(this.parser)) this.parser = undefined; // most clients send nothing more for a while
    this.resumeReading();
  }

  /** Reads the socket again unless something still holds it: a rate-quota hold or the flood bound. */
  private resumeReading(): void {
    if (this.state === 'open' && !this.held && !this.floodPaused) this.stream.resume();
  }

  /**
   * Rate-quota backpressure (MQTT 3.1.1 has no reason code to refuse a PUBLISH): stop reading, keep `p` and
   * every packet after it in order, and dispatch them again after `ms`.
   */
  holdFor(p: Packet, ms: number): void {
    this.held = [p];
    this.stream.pause();
    this.holdTimer = setTimeout(() => this.releaseHeld(), ms);
  }

  private releaseHeld(): void {
    const queued = this.held ?? [];
    this.held = this.holdTimer = undefined;
    this.seen = true; // time spent held does not count against keep-alive
    for (let i = 0; i < queued.length && this.state === 'open'; i++) {
      this.dispatch(queued[i]!);
      if (this.held) return void (this.held as Packet[]).push(...queued.slice(i + 1)); // held again: keep the rest, in order
    }
    this.resumeReading();
  }

  /** Counts `work` against the flood bound until it settles (pausing and resuming reads, see FLOOD_HIGH). */
  flood<T>(work: Promise<T>): Promise<T> {
    if (++this.floodWork >= FLOOD_HIGH && !this.floodPaused) {
      this.floodPaused = true;
      this.stream.pause();
      this.ctx.logger.debug({ clientId: this.clientId, pending: this.floodWork }, 'client floods: reading paused');
    }
    const done = (): void => {
      if (--this.floodWork <= FLOOD_LOW && this.floodPaused) {
        this.floodPaused = false;
        this.resumeReading();
      }
    };
    work.then(done, done);
    return work;
  }

  private dispatch(p: Packet): void {
    if (this.held) return void this.held.push(p);
    switch (p.cmd) {
      case 'publish': return handlePublish(this, p);
      case 'puback': case 'pubrec': case 'pubcomp': return handleAck(this, p);
      case 'pubrel': return handlePubrel(this, p);
      case 'subscribe': this.ctlChain = this.flood((this.ctlChain ?? Promise.resolve()).then(() => handleSubscribe(this, p)).catch((err) => this.fail(err))); return;
      case 'unsubscribe': this.ctlChain = this.flood((this.ctlChain ?? Promise.resolve()).then(() => handleUnsubscribe(this, p)).catch((err) => this.fail(err))); return;
      case 'pingreq': this.write({ cmd: 'pingresp' }); return; // [MQTT-3.12.4-1]
      case 'disconnect': return this.onDisconnect(p);
      case 'connect': return this.protocolClose(RC.PROTOCOL_ERROR, 'second CONNECT'); // [MQTT-3.1.0-2]
      // after CONNACK: re-authentication is not offered (0x8C is not a DISCONNECT code); without a method in
      // CONNECT an AUTH is a protocol error [MQTT-4.12.0-7]
      case 'auth': return this.authMethod ? this.protocolClose(RC.NOT_AUTHORIZED, 're-authentication is not supported') : this.protocolClose(RC.PROTOCOL_ERROR, 'AUTH without an authentication method in CONNECT');
      default: return this.protocolClose(RC.PROTOCOL_ERROR, `unexpected ${p.cmd}`);
    }
  }

  fail(err: unknown): void {
    this.ctx.logger.warn({ err, clientId: this.clientId }, 'mqtt request failed');
    this.protocolClose(RC.UNSPECIFIED_ERROR, 'internal error');
  }

  private onDisconnect(p: mqtt.IDisconnectPacket): void {
    const s = this.session;
    const rc = p.reasonCode ?? 0;
    const expiry = p.properties?.sessionExpiryInterval;
    if (this.version === 5 && expiry !== undefined && expiry > 0 && s && s.expiryInterval === 0) {
      return this.protocolClose(RC.PROTOCOL_ERROR, 'session expiry changed from 0'); // [MQTT-3.14.2-2]
    }
    this.state = 'closed';
    if (s && s.link === this) this.ctx.broker.disconnect(s, rc === RC.DISCONNECT_WITH_WILL, expiry ?? s.expiryInterval); // [MQTT-3.14.4-3]
    this.stream.end();
    this.finish();
  }

  /** Server-side close with a reason: DISCONNECT in v5 after CONNACK [MQTT-4.13.1-1], then close. */
  protocolClose(rc: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ctx.logger.debug({ clientId: this.clientId, rc, reason }, 'closing connection');
    if (this.version === 5 && this.state === 'open') this.write({ cmd: 'disconnect', reasonCode: rc, properties: { reasonString: reason } });
    this.stream.end();
    this.destroyLater();
  }

  /** Lets written bytes drain, then destroys the stream; the connection counts as closed now. */
  destroyLater(): void {
    const t = setTimeout(() => this.stream.destroy(), 1000);
    t.unref();
    this.onClosed();
  }

  destroy(): void {
    this.stream.destroy();
    this.onClosed();
  }

  private onClosed(): void {
    if (this.state === 'closed') return this.finish();
    this.state = 'closed';
    const s = this.session;
    if (s && s.link === this) this.ctx.broker.disconnect(s, true);
    this.finish();
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.holdTimer);
    this.held = undefined;
    this.releaseQuota?.();
    this.ctx.onClose(this);
  }

  /** Keep-alive: 1.5 × the interval without any packet closes the connection [MQTT-3.1.2-22]. */
  checkKeepAlive(now: number): void {
    if (this.state !== 'open' || this.keepAlive === 0) return;
    if (this.seen) {
      this.seen = false;
      this.deadline = now + this.keepAlive * 1500;
    } else if (now > this.deadline) this.protocolClose(RC.KEEP_ALIVE_TIMEOUT, 'keep alive timeout');
  }

  /** Encodes and writes one packet; false when it exceeds the client's maximum packet size. */
  write(packet: Packet): boolean {
    return this.writeBuffer(mqtt.generate(packet, { protocolVersion: this.version }), packet.cmd);
  }

  writeBuffer(buf: Buffer, cmd: string): boolean {
    if (this.maxOutgoing && buf.length > this.maxOutgoing) return false; // [MQTT-3.1.2-25]
    if (this.state === 'closed' && cmd !== 'disconnect' && cmd !== 'connack') return true;
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stream.uncork();
      });
    }
    this.stream.write(buf);
    this.ctx.metrics.packet(cmd, 'out');
    this.ctx.metrics.bytes('out', buf.length);
    return true;
  }

  // SessionLink ------------------------------------------------------------------------------------
  sendPublish(d: Delivery, packetId: number, dup: boolean): boolean {
    if (d.qos === 0 && this.stream.writableLength > this.ctx.limits.maxWriteBuffer) return true; // slow consumer: QoS 0 may be lost
    if (this.version !== 5) return this.writeBuffer(encodeV4(d, packetId, dup, this.version), 'publish');
    const { buf, newAlias, evict } = encodeV5(d, packetId, dup, this.out, Date.now());
    if (!this.writeBuffer(buf, 'publish')) return false;
    if (this.out.aliasMax > 0) {
      // the map is kept in use order (least recently used first): the next alias to reuse
      const aliases = this.out.aliases as Map<string, number>;
      const topic = d.message.topic;
      if (evict !== undefined) aliases.delete(evict);
      const alias = newAlias ?? aliases.get(topic)!;
      aliases.delete(topic);
      aliases.set(topic, alias);
    }
    return true;
  }

  sendPubrel(packetId: number): void {
    this.write({ cmd: 'pubrel', messageId: packetId });
  }

  takenOver(): void {
    this.protocolClose(RC.SESSION_TAKEN_OVER, 'session taken over'); // [MQTT-3.1.4-3]
  }
}
