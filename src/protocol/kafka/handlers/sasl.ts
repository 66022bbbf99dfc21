/**
 * SaslHandshake v1 + SaslAuthenticate (KIP-152). PLAIN (RFC 4616): auth_bytes = authzid NUL authcid NUL
 * passwd. A successful login may pick the connection's namespace (a credential belongs to one tenant).
 * When the listener requires SASL, any other request before authentication closes the connection
 * (as Kafka does), see connection.ts.
 */
import type { Msg } from '../codec/schema.js';
import { KafkaError } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

export const MECHANISMS = ['PLAIN'];

export function handleSaslHandshake(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  const offered = ctx.authenticate ? MECHANISMS : [];
  if (conn.authenticated || !offered.includes(req.mechanism)) {
    return { errorCode: conn.authenticated ? KafkaError.ILLEGAL_SASL_STATE : KafkaError.UNSUPPORTED_SASL_MECHANISM, mechanisms: offered };
  }
  conn.saslMechanism = req.mechanism;
  return { errorCode: KafkaError.NONE, mechanisms: offered };
}

/** Splits PLAIN auth bytes; undefined when malformed. */
export function parsePlain(bytes: Buffer): { user: string; password: string } | undefined {
  const parts = bytes.toString('utf8').split('\u0000');
  if (parts.length !== 3 || parts[1] === '') return undefined;
  return { user: parts[1], password: parts[2] };
}

export async function handleSaslAuthenticate(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const fail = (errorCode: number, errorMessage: string): Msg => ({ errorCode, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 });
  if (conn.saslMechanism !== 'PLAIN' || !ctx.authenticate) return fail(KafkaError.ILLEGAL_SASL_STATE, 'SaslHandshake first');
  const creds = parsePlain((req.authBytes as Buffer | null) ?? Buffer.alloc(0));
  const ok = creds ? await ctx.authenticate('PLAIN', creds.user, creds.password) : undefined;
  if (!creds || !ok) {
    ctx.logger.warn({ conn: conn.id, user: creds?.user, clientId: conn.clientId }, 'kafka SASL authentication failed');
    return fail(KafkaError.SASL_AUTHENTICATION_FAILED, 'Authentication failed: invalid username or password');
  }
  conn.authenticated = true;
  conn.user = creds.user;
  conn.saslMechanism = undefined;
  if (ok.namespace) conn.namespace = ok.namespace;
  return { errorCode: KafkaError.NONE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
}
