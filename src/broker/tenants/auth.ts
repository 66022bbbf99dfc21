/**
 * Credential check over the namespace registry: a user name known to the registry is checked against its
 * scrypt hash and lands in the credential's namespace (with its ACL, if any); every other request goes to
 * `fallback` (users file, JWT, certificates, anonymous). scrypt is slow on purpose, so a successful check
 * is remembered for a minute per (user, password digest, stored hash): HTTP Basic auth and reconnect
 * storms do not pay it each time, and a changed or removed credential is never served from memory.
 */
import { createHash } from 'node:crypto';
import { verifyPassword } from '../../auth/password.js';
import type { AuthRequest, AuthResult, Authenticator } from '../../auth/types.js';
import type { CredentialRecord, TenantServices } from './types.js';

const REMEMBER_MS = 60_000;
const MAX_REMEMBERED = 10_000;

export async function checkCredential(record: CredentialRecord, password: Buffer, remembered: Map<string, number>): Promise<boolean> {
  const digest = createHash('sha256').update(record.user).update('\u0000').update(password).update('\u0000').update(record.password).digest('base64');
  const until = remembered.get(digest);
  if (until !== undefined && until > Date.now()) return true;
  if (!(await verifyPassword(password.toString('utf8'), record.password))) return false;
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(digest, Date.now() + REMEMBER_MS);
  return true;
}

export function tenantAuthenticator(tenants: TenantServices | undefined, fallback: Authenticator): Authenticator {
  if (!tenants) return fallback;
  const remembered = new Map<string, number>();
  return {
    async authenticate(r: AuthRequest): Promise<AuthResult> {
      const record = r.username !== undefined ? await tenants.credential(r.username) : undefined;
      if (!record) return fallback.authenticate(r);
      if (!r.password || !(await checkCredential(record, r.password, remembered))) return { ok: false, reason: 'bad_credentials' };
      return { ok: true, user: record.user, namespace: record.namespace, ...(record.acl ? { acl: record.acl } : {}), ...(record.admin ? { admin: true } : {}) };
    },
  };
}
