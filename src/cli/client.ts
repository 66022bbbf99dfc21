/**
 * The admin CLI's one HTTP client. Base URL: --url, else STRATA_URL, else http://<STRATA_HOST>:<STRATA_HTTP_PORT>
 * (127.0.0.1:8080 by default). Maps outcomes onto the CLI's exit codes: a broker error answer
 * ({error:{code,message,retriable}}) → 1, no connection (refused, DNS, timeout) → 3.
 */
import { CliError, EXIT, type Parsed } from './common.js';

export interface BrokerError {
  code: string;
  message: string;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export function defaultBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_URL) return env.STRATA_URL;
  const h = env.STRATA_HOST;
  const host = !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h;
  const port = env.STRATA_HTTP_PORT && env.STRATA_HTTP_PORT !== '0' ? env.STRATA_HTTP_PORT : '8080';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export class AdminClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly timeoutMs = 30_000, private readonly authorization?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(this.baseUrl)) throw new CliError(EXIT.USAGE, `--url must be an http(s) URL, got "${baseUrl}"`);
  }

  /**
   * Credentials: --token or STRATA_TOKEN (a bearer token: the broker's adminToken or a JWT), else
   * STRATA_USER + STRATA_PASSWORD (HTTP Basic with a namespace credential), else none (anonymous).
   */
  static from(flags: Parsed['flags'], env: NodeJS.ProcessEnv = process.env): AdminClient {
    const token = (flags.token as string | undefined) ?? env.STRATA_TOKEN;
    const auth = token ? `Bearer ${token}` : env.STRATA_USER ? `Basic ${Buffer.from(`${env.STRATA_USER}:${env.STRATA_PASSWORD ?? ''}`).toString('base64')}` : undefined;
    return new AdminClient((flags.url as string | undefined) ?? defaultBaseUrl(env), 30_000, auth);
  }

  /** Path segments are URL-encoded by the caller with `seg()`. Resolves with the parsed JSON (undefined on 204). */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.authorization ? { authorization: this.authorization } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const cause = e.cause as { code?: string; message?: string; errors?: Array<{ code?: string }> } | undefined;
      const why = cause?.code ?? cause?.errors?.[0]?.code ?? (e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : cause?.message ?? e.message);
      throw new CliError(EXIT.UNREACHABLE, `cannot reach the broker at ${this.baseUrl} (${why})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: BrokerError } | undefined)?.error;
      const msg = e ? `${e.message} (${e.code}${e.retriable ? ', retriable' : ''})` : `HTTP ${res.status} from ${method} ${path}`;
      throw new CliError(EXIT.SERVER_ERROR, msg, json ?? { error: { code: `HTTP_${res.status}`, message: text.slice(0, 200) } });
    }
    return json as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
}

/** One URL path segment. */
export function seg(s: string): string {
  return encodeURIComponent(s);
}
