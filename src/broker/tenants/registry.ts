/**
 * The namespace registry: tenants, their quotas and their credentials, persisted in the node's object
 * store so every stateless node sees the same tenants (docs/tenants.md):
 *   meta/tenants/<ns>/namespace.json     NamespaceRecord (name, createdAt, quotas)
 *   meta/tenants/<ns>/credentials.json   { credentials: { <user>: CredentialRecord } }
 * Writes are read-modify-write with the document's ETag as the condition (ifMatch / ifNoneMatch), so two
 * nodes changing one tenant never lose an update. Every node re-reads the registry every `refreshMs`;
 * a node's own writes are visible to it at once.
 *
 * A user name is global (an MQTT CONNECT or a SASL login names only the user), so it belongs to exactly
 * one namespace; adding a user name that another namespace holds is refused.
 */
import type { Logger } from 'pino';
import type { AclRule } from '../../auth/acl.js';
import { hashPassword } from '../../auth/password.js';
import { deriveScramCredentials } from '../../auth/scram.js';
import { isStrataError, StrataError } from '../../errors.js';
import { isValidName, type Keys } from '../../store/keys.js';
import { listAll, type ObjectStore } from '../../store/types.js';
import { QUOTA_NAMES, type CredentialRecord, type NamespaceQuotas, type NamespaceRecord } from './types.js';

const KIND = 'tenants';
const USER_RE = /^[A-Za-z0-9._@+-]{1,128}$/;

interface Doc<T> {
  value: T;
  etag: string;
}
interface CredentialsDoc {
  credentials: Record<string, CredentialRecord>;
}

export interface RegistryOptions {
  store: ObjectStore;
  keys: Keys;
  logger: Logger;
  /** How often other nodes' changes are picked up (ms). Default 5000. */
  refreshMs?: number;
}

export interface CredentialInput {
  password: string;
  admin?: boolean;
  acl?: AclRule[];
}

/** A credential as the API shows it: never the hashes. */
export type PublicCredential = Pick<CredentialRecord, 'user' | 'namespace' | 'createdAt' | 'admin' | 'acl'>;

export function publicCredential(c: CredentialRecord): PublicCredential {
  return { user: c.user, namespace: c.namespace, createdAt: c.createdAt, ...(c.admin ? { admin: true } : {}), ...(c.acl ? { acl: c.acl } : {}) };
}

export function validateQuotas(q: unknown): NamespaceQuotas {
  if (q === undefined || q === null) return {};
  if (typeof q !== 'object' || Array.isArray(q)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'quotas must be an object');
  const out: NamespaceQuotas = {};
  for (const [k, v] of Object.entries(q as Record<string, unknown>)) {
    if (!(QUOTA_NAMES as readonly string[]).includes(k)) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `unknown quota "${k}" (known: ${QUOTA_NAMES.join(', ')})`);
    if (v === null) continue; // null removes the quota
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `quota ${k} must be a non-negative integer or null`);
    out[k as keyof NamespaceQuotas] = v;
  }
  return out;
}

export class NamespaceRegistry {
  private readonly namespaces = new Map<string, Doc<NamespaceRecord>>();
  private readonly credentials = new Map<string, Doc<CredentialsDoc>>();
  /** user → its namespace and password hash (to see revocations) */
  private users = new Map<string, { ns: string; password: string }>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private readonly revokeListeners = new Set<(user: string, namespace: string) => void>();

  constructor(private readonly o: RegistryOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.o.logger.warn({ err: (err as Error).message }, 'tenants: refreshing the namespace registry failed; keeping the last known state'));
    }, this.o.refreshMs ?? 5000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads every namespace and credential document from the store. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const found = new Set<string>();
    for await (const o of listAll(this.o.store, { prefix: this.o.keys.metaPrefix(KIND) })) {
      const rest = o.key.slice(this.o.keys.metaPrefix(KIND).length);
      const m = /^([^/]+)\/namespace\.json$/.exec(rest);
      if (m && isValidName(m[1]!)) found.add(m[1]!);
    }
    const next = new Map<string, Doc<NamespaceRecord>>();
    const nextCreds = new Map<string, Doc<CredentialsDoc>>();
    for (const ns of found) {
      const doc = await this.read<NamespaceRecord>(this.nsKey(ns));
      if (!doc) continue;
      next.set(ns, doc);
      const creds = await this.read<CredentialsDoc>(this.credKey(ns));
      if (creds) nextCreds.set(ns, creds);
    }
    this.namespaces.clear();
    this.credentials.clear();
    for (const [k, v] of next) this.namespaces.set(k, v);
    for (const [k, v] of nextCreds) this.credentials.set(k, v);
    this.reindexUsers();
  }

  /**
   * Calls `fn(user, namespace)` when a credential is removed or its password replaced (by this node or,
   * seen on refresh, another one): frontends close the connections that logged in with it.
   */
  onRevoked(fn: (user: string, namespace: string) => void): () => void {
    this.revokeListeners.add(fn);
    return () => this.revokeListeners.delete(fn);
  }

  private reindexUsers(): void {
    const before = this.users;
    this.users = new Map();
    for (const [ns, doc] of this.credentials) for (const [user, c] of Object.entries(doc.value.credentials)) this.users.set(user, { ns, password: c.password });
    for (const [user, old] of before) {
      const now = this.users.get(user);
      if (!now || now.ns !== old.ns || now.password !== old.password) this.revoke(user, old.ns);
    }
  }

  private revoke(user: string, ns: string): void {
    this.o.logger.info({ user, namespace: ns }, 'credential revoked: closing its connections');
    for (const fn of this.revokeListeners) {
      try {
        fn(user, ns);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message, user }, 'credential revocation listener failed');
      }
    }
  }

  private nsKey(ns: string): string {
    return this.o.keys.meta(KIND, ns, 'namespace');
  }
  private credKey(ns: string): string {
    return this.o.keys.meta(KIND, ns, 'credentials');
  }

  private async read<T>(key: string): Promise<Doc<T> | undefined> {
    try {
      const r = await this.o.store.get(key);
      return { value: JSON.parse(r.body.toString('utf8')) as T, etag: r.etag };
    } catch (err) {
      if (isStrataError(err, 'STRATA_ERR_OBJECT_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  /** Writes `value` only if the stored document is still `prev` (or absent when prev is undefined). */
  private async write<T>(key: string, value: T, prev: Doc<T> | undefined): Promise<Doc<T>> {
    const r = await this.o.store.put(key, Buffer.from(JSON.stringify(value, null, 2)), { contentType: 'application/json', ...(prev ? { ifMatch: prev.etag } : { ifNoneMatch: '*' as const }) });
    return { value, etag: r.etag };
  }

  /** Runs a read-modify-write; on a lost race re-reads and tries again. */
  private async update<T>(key: string, change: (current: T | undefined) => T, cache: Map<string, Doc<T>>, ns: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const prev = cache.get(ns);
      try {
        const doc = await this.write(key, change(prev?.value), prev);
        cache.set(ns, doc);
        return doc.value;
      } catch (err) {
        if (!isStrataError(err, 'STRATA_ERR_PRECONDITION_FAILED') || attempt >= 4) throw err;
        const fresh = await this.read<T>(key);
        if (fresh) cache.set(ns, fresh);
        else cache.delete(ns);
      }
    }
  }

  list(): NamespaceRecord[] {
    return [...this.namespaces.values()].map((d) => d.value).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(ns: string): NamespaceRecord | undefined {
    return this.namespaces.get(ns)?.value;
  }

  /** Creates the namespace, or replaces its quotas. */
  async put(ns: string, quotas: NamespaceQuotas): Promise<{ record: NamespaceRecord; created: boolean }> {
    if (!isValidName(ns)) throw new StrataError('STRATA_ERR_INVALID_NAME', `invalid namespace name ${JSON.stringify(ns)}`);
    let created = false;
    const record = await this.update<NamespaceRecord>(
      this.nsKey(ns),
      (cur) => {
        created = cur === undefined;
        return { name: ns, createdAt: cur?.createdAt ?? Date.now(), quotas };
      },
      this.namespaces,
      ns,
    );
    this.o.logger.info({ namespace: ns, quotas, created }, created ? 'namespace created' : 'namespace quotas changed');
    return { record, created };
  }

  /** Removes the namespace document and its credentials (the caller removes its topics first). */
  async delete(ns: string): Promise<void> {
    if (!this.namespaces.has(ns)) throw new StrataError('STRATA_ERR_NAMESPACE_NOT_FOUND', `namespace ${ns} is not registered`, { details: { namespace: ns } });
    await this.o.store.delete(this.credKey(ns));
    await this.o.store.delete(this.nsKey(ns));
    this.namespaces.delete(ns);
    this.credentials.delete(ns);
    this.reindexUsers();
    this.o.logger.info({ namespace: ns }, 'namespace deleted');
  }

  credentialsOf(ns: string): CredentialRecord[] {
    return Object.values(this.credentials.get(ns)?.value.credentials ?? {}).sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  credential(user: string): CredentialRecord | undefined {
    const ns = this.users.get(user)?.ns;
    return ns === undefined ? undefined : this.credentials.get(ns)?.value.credentials[user];
  }

  /** Adds or replaces a credential of `ns` (the namespace must be registered). */
  async putCredential(ns: string, user: string, input: CredentialInput): Promise<{ record: CredentialRecord; created: boolean }> {
    if (!this.namespaces.has(ns)) throw new StrataError('STRATA_ERR_NAMESPACE_NOT_FOUND', `namespace ${ns} is not registered; create it first (PUT /v1/namespaces/${ns})`, { details: { namespace: ns } });
    if (!USER_RE.test(user)) throw new StrataError('STRATA_ERR_INVALID_NAME', `invalid user name ${JSON.stringify(user)} (1-128 of A-Z a-z 0-9 . _ @ + -)`);
    if (typeof input.password !== 'string' || input.password.length < 1) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'password must be a non-empty string');
    const owner = this.users.get(user)?.ns;
    if (owner !== undefined && owner !== ns) throw new StrataError('STRATA_ERR_CREDENTIAL_EXISTS', `user name ${user} already belongs to another namespace`, { details: { user } });
    const record: CredentialRecord = {
      user,
      namespace: ns,
      createdAt: Date.now(),
      password: await hashPassword(input.password),
      scram: await deriveScramCredentials(input.password),
      ...(input.admin ? { admin: true } : {}),
      ...(input.acl ? { acl: input.acl } : {}),
    };
    let created = false;
    await this.update<CredentialsDoc>(
      this.credKey(ns),
      (cur) => {
        created = cur?.credentials[user] === undefined;
        return { credentials: { ...(cur?.credentials ?? {}), [user]: { ...record, createdAt: cur?.credentials[user]?.createdAt ?? record.createdAt } } };
      },
      this.credentials,
      ns,
    );
    this.reindexUsers();
    this.o.logger.info({ namespace: ns, user, admin: Boolean(input.admin), created }, created ? 'credential added' : 'credential replaced');
    return { record, created };
  }

  async deleteCredential(ns: string, user: string): Promise<void> {
    if (this.credentials.get(ns)?.value.credentials[user] === undefined) throw new StrataError('STRATA_ERR_CREDENTIAL_NOT_FOUND', `namespace ${ns} has no credential ${user}`, { details: { namespace: ns, user } });
    await this.update<CredentialsDoc>(
      this.credKey(ns),
      (cur) => {
        const next = { ...(cur?.credentials ?? {}) };
        delete next[user];
        return { credentials: next };
      },
      this.credentials,
      ns,
    );
    this.reindexUsers();
    this.o.logger.info({ namespace: ns, user }, 'credential removed');
  }
}
