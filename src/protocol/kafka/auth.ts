/**
 * Kafka SASL credentials of a node: namespace-registry credentials first (src/broker/tenants), then the
 * users file shared with MQTT. PLAIN checks the scrypt hash; SCRAM-SHA-256/512 use the stored SCRAM keys
 * (`scram` of a registry credential or of a users-file entry). SASL is offered whenever either source
 * exists and required unless `allowAnonymous`.
 */
import type { Authenticator } from '../../auth/types.js';
import { UsersAuth } from '../../auth/users.js';
import { tenantAuthenticator } from '../../broker/tenants/auth.js';
import { scramLookup } from '../../auth/scram-lookup.js';
import type { NodeContext } from '../../server/context.js';
import type { KafkaContext } from './handlers/context.js';

const NOBODY: Authenticator = { authenticate: async () => ({ ok: false, reason: 'bad_credentials' }) };

export interface KafkaAuth {
  authenticate?: KafkaContext['authenticate'];
  scramCredential?: KafkaContext['scramCredential'];
  saslRequired: boolean;
}

export async function kafkaAuthOf(ctx: NodeContext): Promise<KafkaAuth> {
  const { config, tenants } = ctx;
  let users: UsersAuth | undefined;
  if (config.usersFile) {
    users = new UsersAuth({ path: config.usersFile, allowAnonymous: config.allowAnonymous, defaultNamespace: config.kafkaNamespace });
    await users.load();
  }
  if (!users && !tenants) return { saslRequired: false };
  const authenticator = tenantAuthenticator(tenants, users ?? NOBODY);
  return {
    saslRequired: !config.allowAnonymous,
    authenticate: async (_mechanism, user, password) => {
      const r = await authenticator.authenticate({ clientId: '', username: user, password: Buffer.from(password, 'utf8') });
      return r.ok ? { namespace: r.namespace } : undefined;
    },
    // a user name the registry knows is decided there (as tenantAuthenticator does for PLAIN)
    scramCredential: scramLookup(tenants, users),
  };
}
