/**
 * Where a SCRAM user's stored keys come from, for every protocol that speaks SCRAM (Kafka SASL, MQTT 5
 * enhanced authentication): a namespace-registry credential first (a user name the registry knows is decided
 * there), then the users file. No I/O of its own.
 */
import type { AclRule } from './acl.js';
import type { ScramCredential, ScramMechanism } from './scram.js';
import type { UsersAuth } from './users.js';
import type { TenantServices } from '../broker/tenants/types.js';

export interface ScramAccount {
  credential: ScramCredential;
  namespace: string;
  /** Rules that came with a registry credential (they take precedence, as for password logins). */
  acl?: AclRule[];
}

export type ScramLookup = (mechanism: ScramMechanism, user: string) => Promise<ScramAccount | undefined>;

/** undefined when neither source exists (SCRAM is then not offered). */
export function scramLookup(tenants: TenantServices | undefined, users: UsersAuth | undefined): ScramLookup | undefined {
  if (!tenants && !users) return undefined;
  return async (mechanism, user) => {
    const record = await tenants?.credential(user);
    if (record) {
      const credential = record.scram?.[mechanism];
      return credential ? { credential, namespace: record.namespace, ...(record.acl ? { acl: record.acl } : {}) } : undefined;
    }
    return users?.scramCredential(user, mechanism);
  };
}
