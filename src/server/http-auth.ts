/**
 * The HTTP API's credential chain (src/protocol/http/auth.ts): registry credentials first, then JWT
 * passwords (the mqttJwt* keys), then the users file — the same credentials MQTT and Kafka accept.
 * Requests without credentials get full access only when `allowAnonymous` is on.
 */
import { jwtAuthenticator, jwtConfigured } from '../auth/jwt.js';
import type { Authenticator } from '../auth/types.js';
import { UsersAuth } from '../auth/users.js';
import { tenantAuthenticator } from '../broker/tenants/auth.js';
import type { HttpAuthOptions } from '../protocol/http/auth.js';
import type { NodeContext } from './context.js';

const NOBODY: Authenticator = { authenticate: async () => ({ ok: false, reason: 'bad_credentials' }) };

export async function httpAuthOf(ctx: NodeContext): Promise<HttpAuthOptions> {
  const { config } = ctx;
  let base: Authenticator = NOBODY;
  if (config.usersFile) {
    const users = new UsersAuth({ path: config.usersFile, allowAnonymous: false });
    await users.load();
    base = users;
  }
  const jwt = { secret: config.mqttJwtSecret, publicKeyFile: config.mqttJwtPublicKey, jwksFile: config.mqttJwksFile, issuer: config.mqttJwtIssuer, audience: config.mqttJwtAudience };
  if (jwtConfigured(jwt)) base = jwtAuthenticator(jwt, base);
  const tenants = ctx.tenants;
  return {
    anonymous: config.allowAnonymous,
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    authenticator: tenantAuthenticator(tenants, base),
  };
}
