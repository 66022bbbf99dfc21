/**
 * Authentication and authorization contracts used by the protocol frontends. A credential maps to a
 * user and a namespace (tenant); ACLs decide per topic.
 */

export interface AuthRequest {
  clientId: string;
  username?: string;
  password?: Buffer;
  /** Peer certificate of a TLS client-certificate connection, when verified. */
  certificate?: { subjectCN?: string };
  /** Whether the connection came in on a loopback address (for the anonymous-on-loopback default). */
  loopback?: boolean;
}

import type { AclRule } from './acl.js';

export type AuthResult =
  /** `admin`: a registry credential with admin rights (HTTP admin API); never set from a token's claims. */
  | { ok: true; user?: string; namespace: string; acl?: AclRule[]; admin?: boolean }
  | { ok: false; reason: 'bad_credentials' | 'not_authorized' };

export interface ClientIdentity {
  clientId: string;
  user?: string;
  namespace: string;
  /** Rules that came with the credential (a JWT's `acl` claim); they take precedence. */
  acl?: AclRule[];
}

export interface Authenticator {
  authenticate(request: AuthRequest): Promise<AuthResult>;
}

export interface Authorizer {
  canPublish(identity: ClientIdentity, topic: string): boolean;
  canSubscribe(identity: ClientIdentity, filter: string): boolean;
}

export const ALLOW_ALL: Authorizer = { canPublish: () => true, canSubscribe: () => true };

/** Accepts everyone into one namespace (anonymous access). */
export function anonymous(namespace = 'default'): Authenticator {
  return { authenticate: async (r) => ({ ok: true, user: r.username, namespace }) };
}
