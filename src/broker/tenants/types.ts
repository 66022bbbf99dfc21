/**
 * Namespaces as tenants (docs/tenants.md). A namespace owns its topics, groups, retained messages,
 * sessions and history; every credential belongs to exactly one namespace. Quotas bound what one tenant
 * may take from a node. These are the shared contracts of the registry (registry.ts), the credential
 * check (auth.ts) and quota enforcement (quotas.ts).
 */
import type { AclRule } from '../../auth/acl.js';
import type { ScramCredentials } from '../../auth/scram.js';

/** Per-namespace limits, each optional (absent = unlimited). Enforced per node. */
export interface NamespaceQuotas {
  /** MQTT and Kafka connections open at once. */
  maxConnections?: number;
  /** Records (MQTT messages, Kafka records, HTTP records) produced per second, burst of one second. */
  messagesPerSecond?: number;
  /** Payload bytes produced per second (key + value), burst of one second. */
  bytesPerSecond?: number;
  /** Bytes held by the namespace's topics (log bytes after retention). */
  maxStoredBytes?: number;
}

export const QUOTA_NAMES = ['maxConnections', 'messagesPerSecond', 'bytesPerSecond', 'maxStoredBytes'] as const;

/** A namespace document, stored at meta/namespaces/_/<name>.json. */
export interface NamespaceRecord {
  name: string;
  createdAt: number;
  quotas: NamespaceQuotas;
}

/** A credential document, stored at meta/credentials/_/<user>.json (user names are global). */
export interface CredentialRecord {
  user: string;
  namespace: string;
  createdAt: number;
  /** scrypt hash (src/auth/password.ts). */
  password: string;
  /** Salted SCRAM keys for Kafka SASL/SCRAM-SHA-256 and -512 (RFC 5802), derived when the password is set. */
  scram?: ScramCredentials;
  /** May use the admin API (namespaces and credentials of every tenant). */
  admin?: boolean;
  /** Optional ACL rules; without them the credential may use every topic of its namespace. */
  acl?: AclRule[];
}

/** Outcome of asking to produce under a rate or storage quota. */
export type Admission =
  | { ok: true }
  /** Over messagesPerSecond / bytesPerSecond: nothing was charged; retry after about this long. */
  | { ok: false; reason: 'rate'; retryAfterMs: number; quota: 'messagesPerSecond' | 'bytesPerSecond' }
  /** The namespace holds maxStoredBytes or more. */
  | { ok: false; reason: 'storage'; quota: 'maxStoredBytes' };

/** Quota enforcement, one per node (src/broker/tenants/quotas.ts). */
export interface QuotaEnforcer {
  /** A connection authenticated into `ns`: a release function, or undefined when maxConnections is reached. */
  openConnection(ns: string): (() => void) | undefined;
  /**
   * Reject-style admission (MQTT 5, HTTP): charges the records only when they are admitted.
   */
  admitProduce(ns: string, records: number, bytes: number): Admission;
  /**
   * Throttle-style admission (Kafka, which accepts then delays): always charges; returns how long the
   * response should be held back (Kafka `throttle_time_ms`), or a storage refusal.
   */
  chargeProduce(ns: string, records: number, bytes: number): { throttleMs: number } | { ok: false; reason: 'storage'; quota: 'maxStoredBytes' };
}

/** What the 'tenants' component (src/broker/tenants/component.ts) gives later components through NodeContext. */
export interface TenantServices {
  /** A registry credential by user name, or undefined (then the users file, if any, is asked). */
  credential(user: string): Promise<CredentialRecord | undefined>;
  /** The namespace document, or undefined for a namespace nobody registered (no quotas). */
  namespace(name: string): NamespaceRecord | undefined;
  quotas: QuotaEnforcer;
  /** Calls fn(user, namespace) when a registry credential is removed or its password replaced. */
  onRevoked(fn: (user: string, namespace: string) => void): () => void;
}
