/**
 * MinIO bucket notifications for a mount: `listenBucketNotification` of the `minio` client (MinIO's
 * ListenBucketNotification extension: a long GET /<bucket>?events=…&prefix=… answered with a stream of
 * JSON lines). One stream per mount, filtered to s3:ObjectCreated:* and s3:ObjectRemoved:* under its prefix.
 *
 * - Unsupported (reported once, the mount then only polls): the endpoint answers with an S3 error or with
 *   something that is not an event stream (AWS S3 answers a plain ListObjects), or sends no response headers
 *   within `connectTimeoutMs` (a healthy MinIO answers at once and sends a keepalive every 500 ms; MinIO
 *   builds whose trackingResponseWriter lacks Flush() never flush the stream, so events would never arrive).
 * - Dropped (MinIO restart, network): reconnect with exponential backoff, forever.
 * Each attempt uses its own client and http.Agent, so close() destroys the socket of a stream in flight.
 */
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as Minio from 'minio';
import type { StartWatch, WatchHandlers, MountWatcher } from './watch.js';

export interface MinioWatchConfig {
  /** http(s)://host:port of the S3 API. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  pathStyle?: boolean;
  /** No response headers within this time = the endpoint does not stream notifications. Default 5 s. */
  connectTimeoutMs?: number;
  /** Reconnect backoff bounds. Defaults 250 ms and 10 s. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

export const LISTEN_EVENTS = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];

type RequestArgs = Parameters<Minio.Client['makeRequestAsync']>;

/** The minio client with a hook on the listen request's response (to see the stream open and to close it). */
class ListenClient extends Minio.Client {
  onListen?: (res: IncomingMessage) => void;
  override async makeRequestAsync(...args: RequestArgs): Promise<IncomingMessage> {
    const res = await super.makeRequestAsync(...args);
    const q = args[0].query;
    if (args[0].method === 'GET' && typeof q === 'string' && q.includes('events=')) this.onListen?.(res);
    return res;
  }
}

interface NotificationRecord {
  eventName?: string;
  s3?: { object?: { key?: string } };
}

/** An S3-level refusal (the server answered with an error document or status), as opposed to a network error. */
function refused(err: unknown): boolean {
  if (err instanceof Minio.S3Error) return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && !/^E[A-Z_]+$/.test(code) && code !== 'UND_ERR_SOCKET';
}

function errText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function minioWatch(config: MinioWatchConfig, bucket: string, prefix: string): StartWatch {
  return (handlers) => new MinioWatcher(config, bucket, prefix, handlers);
}

class MinioWatcher implements MountWatcher {
  private attempt: { client: ListenClient; agent: HttpAgent; poller: ReturnType<Minio.Client['listenBucketNotification']>; timer?: NodeJS.Timeout } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private everActive = false;
  private closed = false;
  private readonly url: URL;

  constructor(
    private readonly config: MinioWatchConfig,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly h: WatchHandlers,
  ) {
    this.url = new URL(config.endpoint);
    this.backoff = config.backoffMinMs ?? 250;
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.drop();
  }

  private connect(): void {
    if (this.closed) return;
    this.h.onState(this.everActive ? 'reconnecting' : 'connecting');
    const ssl = this.url.protocol === 'https:';
    const agent = ssl ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
    let client: ListenClient;
    try {
      client = new ListenClient({
        endPoint: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port ? Number(this.url.port) : ssl ? 443 : 80,
        useSSL: ssl,
        region: this.config.region,
        accessKey: this.config.accessKeyId,
        secretKey: this.config.secretAccessKey,
        pathStyle: this.config.pathStyle ?? true,
        transportAgent: agent,
        retryOptions: { disableRetry: true },
      });
    } catch (err) {
      agent.destroy();
      return this.h.onState('unsupported', `cannot build a MinIO client: ${errText(err)}`);
    }
    let poller: ReturnType<Minio.Client['listenBucketNotification']>;
    try {
      poller = client.listenBucketNotification(this.bucket, this.prefix, '', LISTEN_EVENTS);
    } catch (err) {
      agent.destroy(); // the minio client validates the bucket name and the events
      return this.h.onState('unsupported', `cannot listen: ${errText(err)}`);
    }
    const attempt: NonNullable<MinioWatcher['attempt']> = { client, agent, poller };
    this.attempt = attempt;
    let opened = false;
    client.onListen = (res) => {
      if (this.attempt !== attempt) return void res.destroy();
      clearTimeout(attempt.timer);
      const type = String(res.headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        // AWS S3 reads GET /bucket?events=… as a ListObjects request
        return this.giveUp(attempt, `the endpoint answered the listen request with "${type || 'no content type'}", not an event stream`);
      }
      opened = true;
      this.everActive = true;
      this.backoff = this.config.backoffMinMs ?? 250;
      this.h.onState('active');
      // the poller would re-request on its own, without backoff or timeout: take over instead
      res.once('close', () => this.retry(attempt, 'the notification stream closed'));
    };
    poller.on('notification', (record: unknown) => {
      if (this.attempt !== attempt) return;
      const r = record as NotificationRecord;
      const key = r.s3?.object?.key;
      const name = r.eventName ?? '';
      if (typeof key !== 'string') return;
      if (name.startsWith('s3:ObjectCreated:')) this.h.onEvent({ kind: 'created', key });
      else if (name.startsWith('s3:ObjectRemoved:')) this.h.onEvent({ kind: 'removed', key });
    });
    poller.on('error', (err: unknown) => {
      if (this.attempt !== attempt) return; // a stopped attempt's socket being destroyed
      if (!this.everActive && !opened && refused(err)) return this.giveUp(attempt, `the endpoint refused the listen request: ${errText(err)}`);
      this.retry(attempt, errText(err));
    });
    attempt.timer = setTimeout(() => {
      if (this.attempt !== attempt || opened) return;
      if (this.everActive) return this.retry(attempt, 'no answer to the listen request');
      this.giveUp(attempt, `no notification stream within ${this.config.connectTimeoutMs ?? 5000} ms (the endpoint does not stream ListenBucketNotification)`);
    }, this.config.connectTimeoutMs ?? 5000);
    attempt.timer.unref?.(); // (listenBucketNotification has started the poller)
  }

  private drop(): void {
    const a = this.attempt;
    if (!a) return;
    this.attempt = undefined;
    clearTimeout(a.timer);
    a.poller.stop();
    a.agent.destroy(); // ends the long GET now, not at the next event
  }

  private giveUp(attempt: NonNullable<MinioWatcher['attempt']>, reason: string): void {
    if (this.attempt !== attempt) return;
    this.drop();
    this.h.onState('unsupported', reason);
  }

  private retry(attempt: NonNullable<MinioWatcher['attempt']>, reason: string): void {
    if (this.attempt !== attempt || this.closed) return;
    this.drop();
    this.h.onState('reconnecting', reason);
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.config.backoffMaxMs ?? 10_000);
    this.retryTimer = setTimeout(() => this.connect(), delay * (0.5 + Math.random() / 2));
    this.retryTimer.unref?.();
  }
}
