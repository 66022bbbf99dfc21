/**
 * HTTP authentication and namespace isolation (docs/tenants.md). One onRequest hook on the root app:
 *   - open paths (health, readiness, metrics, OpenAPI) need nothing;
 *   - `Authorization: Bearer <adminToken>` is an admin; `Bearer <JWT>` and `Basic <user:password>` go
 *     through the same credential chain as MQTT and Kafka (registry → users file → JWT) and land in the
 *     credential's namespace; a registry credential flagged admin (AuthResult.admin) is an admin;
 *   - without credentials: allowed only when anonymous access is on (then with full access, as on a laptop);
 *   - a route with a `:ns` parameter answers only to an admin or a credential of that namespace — 403 for
 *     every other namespace, whether or not it exists, so nothing can be inferred about other tenants;
 *   - routes marked `config: { adminOnly: true }` and every /v1 route without `:ns` except those marked
 *     `config: { tenant: true }` (which filter their answer by `request.identity`) are admin-only.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../auth/types.js';
import { StrataError } from '../../errors.js';

export interface HttpIdentity {
  /** May use every namespace and the admin endpoints. */
  admin: boolean;
  /** The credential's namespace (undefined for admins without one and anonymous access). */
  namespace?: string;
  user?: string;
  anonymous?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: HttpIdentity | null;
  }
  interface FastifyContextConfig {
    adminOnly?: boolean;
    tenant?: boolean;
  }
}

export interface HttpAuthOptions {
  /** Requests without credentials get full access (the laptop default: `allowAnonymous`). */
  anonymous: boolean;
  /** A bearer token that is an admin (`adminToken` option). */
  adminToken?: string;
  authenticator?: Authenticator;
}

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function unauthenticated(message: string): StrataError {
  return new StrataError('STRATA_ERR_UNAUTHENTICATED', message);
}

export async function identify(header: string | undefined, o: HttpAuthOptions): Promise<HttpIdentity> {
  if (!header) {
    if (o.anonymous) return { admin: true, anonymous: true };
    throw unauthenticated('this endpoint needs credentials: Authorization: Basic <user:password> or Bearer <token>');
  }
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  let username: string | undefined;
  let password: string;
  if (scheme === 'bearer') {
    if (o.adminToken && sameSecret(value, o.adminToken)) return { admin: true };
    password = value;
  } else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw unauthenticated('malformed Basic credentials (expected base64 of user:password)');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  } else {
    throw unauthenticated(`unsupported Authorization scheme "${scheme}" (use Basic or Bearer)`);
  }
  if (!o.authenticator) throw unauthenticated('wrong credentials');
  const r = await o.authenticator.authenticate({ clientId: '', ...(username !== undefined ? { username } : {}), password: Buffer.from(password, 'utf8') });
  if (!r.ok) throw unauthenticated('wrong credentials');
  return { admin: r.admin === true, namespace: r.namespace, ...(r.user !== undefined ? { user: r.user } : {}) };
}

/** Throws unless `id` may use namespace `ns`. */
export function assertNamespace(id: HttpIdentity | null, ns: string): void {
  if (!id || id.admin || id.namespace === ns) return;
  throw new StrataError('STRATA_ERR_FORBIDDEN', `this credential may not use namespace ${ns}`, { details: { namespace: ns } });
}

function assertAdmin(id: HttpIdentity, what: string): void {
  if (!id.admin) throw new StrataError('STRATA_ERR_FORBIDDEN', `${what} is for admin credentials only`);
}

/** Namespaces the identity may see (undefined = all). */
export function visibleNamespaces(request: FastifyRequest): string[] | undefined {
  const id = request.identity;
  if (!id || id.admin) return undefined;
  return id.namespace === undefined ? [] : [id.namespace];
}

export function installHttpAuth(app: FastifyInstance, o: HttpAuthOptions): void {
  app.decorateRequest('identity', null);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    if (OPEN_PATHS.has(path)) return;
    let id: HttpIdentity;
    try {
      id = await identify(request.headers.authorization, o);
    } catch (err) {
      if (err instanceof StrataError && err.code === 'STRATA_ERR_UNAUTHENTICATED') {
        void reply.header('www-authenticate', 'Basic realm="strata", charset="UTF-8"');
        request.log.info({ url: path, ip: request.ip, reason: err.message }, 'http request refused: not authenticated');
      }
      throw err;
    }
    request.identity = id;
    const params = request.params as Record<string, string> | undefined;
    const config = request.routeOptions.config;
    if (config?.adminOnly) assertAdmin(id, `${request.method} ${request.routeOptions.url}`);
    if (params?.ns !== undefined) {
      assertNamespace(id, params.ns);
    } else if (path.startsWith('/v1/') && !config?.tenant) {
      assertAdmin(id, `${request.method} ${request.routeOptions.url ?? path}`);
    }
  });
}
