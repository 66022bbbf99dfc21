/**
 * JWT authentication (jose): the token is the MQTT password (any user name). Keys: an HMAC secret
 * (HS256/384/512), a PEM public key (RSA or EC), or a JWKS file (keys chosen by `kid`). Claims: `sub` is
 * the user, `ns` the namespace (default `default`), optional `acl` (the ACL rule list of src/auth/acl.ts)
 * which then decides for this connection. `exp`/`nbf` are enforced; `iss`/`aud` when configured.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { aclAllows, type AclRule } from './acl.js';
import type { AuthRequest, AuthResult, Authenticator, Authorizer } from './types.js';

export interface JwtOptions {
  secret?: string;
  publicKeyFile?: string;
  jwksFile?: string;
  issuer?: string;
  audience?: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function jwtConfigured(o: JwtOptions): boolean {
  return Boolean(o.secret || o.publicKeyFile || o.jwksFile);
}

/** An Authenticator that accepts JWT passwords and hands every other request to `fallback`. */
export function jwtAuthenticator(o: JwtOptions, fallback: Authenticator): Authenticator {
  let key: Uint8Array | KeyObject | JWTVerifyGetKey;
  if (o.jwksFile) key = createLocalJWKSet(JSON.parse(readFileSync(o.jwksFile, 'utf8')));
  else if (o.publicKeyFile) key = createPublicKey(readFileSync(o.publicKeyFile));
  else key = new TextEncoder().encode(o.secret);
  return {
    async authenticate(r: AuthRequest): Promise<AuthResult> {
      const token = r.password?.toString('utf8');
      if (!token || !JWT_SHAPE.test(token)) return fallback.authenticate(r);
      try {
        const verifyOpts = { ...(o.issuer ? { issuer: o.issuer } : {}), ...(o.audience ? { audience: o.audience } : {}) };
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, verifyOpts) : await jwtVerify(token, key, verifyOpts);
        const acl = Array.isArray(payload.acl) ? (payload.acl as AclRule[]) : undefined;
        return { ok: true, user: payload.sub ?? r.username, namespace: typeof payload.ns === 'string' ? payload.ns : 'default', ...(acl ? { acl } : {}) };
      } catch {
        return { ok: false, reason: 'bad_credentials' };
      }
    },
  };
}

/** Rules carried by the identity (JWT `acl` claim) decide first; otherwise `fallback`. */
export function tokenAclAuthorizer(fallback: Authorizer): Authorizer {
  return {
    canPublish: (id, topic) => (id.acl ? aclAllows(id.acl, id, 'publish', topic) : fallback.canPublish(id, topic)),
    canSubscribe: (id, filter) => (id.acl ? aclAllows(id.acl, id, 'subscribe', filter) : fallback.canSubscribe(id, filter)),
  };
}
