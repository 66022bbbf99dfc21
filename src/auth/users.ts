/**
 * The users file (JSON), read by the MQTT frontend and written by `strata users add`:
 *
 *   { "users": { "alice": { "password": "scrypt$16384$8$1$<salt>$<hash>", "namespace": "default",
 *                           "acl": [{ "action": "all", "topic": "devices/%u/#" }],
 *                           "scram": { "SCRAM-SHA-256": { "salt": "…", "iterations": 4096, "storedKey": "…", "serverKey": "…" },
 *                                      "SCRAM-SHA-512": { … } } } },
 *     "anonymousAcl": [{ "action": "subscribe", "topic": "public/#" }] }
 *
 * A user without `acl` may use every topic of its namespace. `scram` (Kafka SASL/SCRAM, RFC 5802) is
 * written by `strata users add` since SCRAM support; an entry without it (written earlier) still works
 * for PLAIN and MQTT but not for SCRAM until `strata users add` is run again for that user, because the
 * scrypt hash cannot be turned into SCRAM keys. The file is re-read when it changes
 * (checked at most once a second), so users added while the broker runs can connect.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { StrataError } from '../errors.js';
import type { AclRule } from './acl.js';
import { aclAuthorizer } from './acl.js';
import { hashPassword, verifyPassword } from './password.js';
import { deriveScramCredentials, type ScramCredential, type ScramCredentials, type ScramMechanism } from './scram.js';
import type { AuthRequest, AuthResult, Authenticator, Authorizer, ClientIdentity } from './types.js';

export interface UserEntry {
  password: string;
  namespace?: string;
  acl?: AclRule[];
  /** Salted SCRAM keys per mechanism (absent in entries written before SCRAM support). */
  scram?: ScramCredentials;
}

export interface UsersFile {
  users: Record<string, UserEntry>;
  anonymousAcl?: AclRule[];
}

export async function readUsersFile(path: string): Promise<UsersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { users: {} };
    throw new StrataError('STRATA_ERR_CONFIG_INVALID', `cannot read users file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as UsersFile;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.users !== 'object') throw new Error('missing "users" object');
    return parsed;
  } catch (err) {
    throw new StrataError('STRATA_ERR_CONFIG_INVALID', `users file ${path} is not valid: ${(err as Error).message}`, { cause: err });
  }
}

/** Adds or replaces a user (atomic write by rename). */
export async function addUser(path: string, name: string, password: string, options: { namespace?: string; acl?: AclRule[] } = {}): Promise<void> {
  if (!name || name.includes(':')) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'user name must be non-empty and must not contain ":"');
  const file = await readUsersFile(path);
  file.users[name] = {
    password: await hashPassword(password),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.acl ? { acl: options.acl } : {}),
    scram: await deriveScramCredentials(password),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

export interface UsersAuthOptions {
  path: string;
  allowAnonymous: boolean;
  defaultNamespace?: string;
}

/** Authenticator + Authorizer over a users file. */
export class UsersAuth implements Authenticator, Authorizer {
  private file: UsersFile = { users: {} };
  private mtime = -1;
  private checkedAt = 0;
  private readonly authz: Authorizer;

  constructor(private readonly o: UsersAuthOptions) {
    this.authz = aclAuthorizer((id) => (id.user === undefined ? this.file.anonymousAcl : this.file.users[id.user]?.acl));
  }

  async load(): Promise<void> {
    const s = await stat(this.o.path).catch(() => undefined);
    this.mtime = s?.mtimeMs ?? 0;
    this.file = await readUsersFile(this.o.path);
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const s = await stat(this.o.path).catch(() => undefined);
    if ((s?.mtimeMs ?? 0) !== this.mtime) await this.load().catch(() => {});
  }

  async authenticate(r: AuthRequest): Promise<AuthResult> {
    await this.refresh();
    const ns = this.o.defaultNamespace ?? 'default';
    if (r.username === undefined && r.certificate?.subjectCN === undefined) {
      return this.o.allowAnonymous ? { ok: true, namespace: ns } : { ok: false, reason: 'not_authorized' };
    }
    if (r.username === undefined && r.certificate?.subjectCN) {
      const u = this.file.users[r.certificate.subjectCN];
      return { ok: true, user: r.certificate.subjectCN, namespace: u?.namespace ?? ns };
    }
    const user = this.file.users[r.username!];
    if (!user || !r.password || !(await verifyPassword(r.password.toString('utf8'), user.password))) return { ok: false, reason: 'bad_credentials' };
    return { ok: true, user: r.username, namespace: user.namespace ?? ns };
  }

  /** The user's stored SCRAM credential for `mechanism`, or undefined (unknown user, or an entry without `scram`). */
  async scramCredential(user: string, mechanism: ScramMechanism): Promise<{ credential: ScramCredential; namespace: string } | undefined> {
    await this.refresh();
    const entry = Object.hasOwn(this.file.users, user) ? this.file.users[user] : undefined;
    const credential = entry?.scram?.[mechanism];
    if (!entry || !credential) return undefined;
    return { credential, namespace: entry.namespace ?? this.o.defaultNamespace ?? 'default' };
  }

  canPublish(id: ClientIdentity, topic: string): boolean {
    return this.authz.canPublish(id, topic);
  }
  canSubscribe(id: ClientIdentity, filter: string): boolean {
    return this.authz.canSubscribe(id, filter);
  }
}
