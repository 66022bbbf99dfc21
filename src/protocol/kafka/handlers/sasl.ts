/**
 * SaslHandshake v1 + SaslAuthenticate (KIP-152). PLAIN (RFC 4616): auth_bytes = authzid NUL authcid NUL
 * passwd, one round. SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677, KIP-84): two rounds on one
 * connection, client-first → server-first, then client-final → server-final (src/auth/scram-server.ts).
 * A successful login may pick the connection's namespace (a credential belongs to one tenant).
 * When the listener requires SASL, any other request before authentication closes the connection
 * (as Kafka does), see connection.ts; so does a failed SaslAuthenticate, after its answer.
 */
import { credentialOrStandIn, ScramError, ScramServerExchange } from '../../../auth/scram-server.js';
import { isScramMechanism, SCRAM_MECHANISMS, type ScramMechanism } from '../../../auth/scram.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

export const MECHANISMS = ['PLAIN'];

export function offeredMechanisms(ctx: KafkaContext): string[] {
  if (!ctx.authenticate) return [];
  return ctx.scramCredential ? [...MECHANISMS, ...SCRAM_MECHANISMS] : MECHANISMS;
}

export function handleSaslHandshake(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  const offered = offeredMechanisms(ctx);
  // v0 would be followed by raw SASL tokens, which are not served (see apis/sasl.ts)
  if (version === 0) return { errorCode: KafkaError.UNSUPPORTED_VERSION, mechanisms: offered };
  if (conn.authenticated || conn.scram || !offered.includes(req.mechanism)) {
    return { errorCode: conn.authenticated || conn.scram ? KafkaError.ILLEGAL_SASL_STATE : KafkaError.UNSUPPORTED_SASL_MECHANISM, mechanisms: offered };
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

const fail = (errorCode: number, errorMessage: string): Msg => ({ errorCode, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 });
const ok = (authBytes: Buffer): Msg => ({ errorCode: KafkaError.NONE, errorMessage: null, authBytes, sessionLifetimeMs: 0 });

function loggedIn(conn: ConnectionState, user: string, namespace: string | undefined): void {
  conn.authenticated = true;
  conn.user = user;
  conn.saslMechanism = undefined;
  conn.scram = undefined;
  if (namespace) conn.namespace = namespace;
}

export async function handleSaslAuthenticate(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const bytes = (req.authBytes as Buffer | null) ?? Buffer.alloc(0);
  if (conn.authenticated || !ctx.authenticate) return fail(KafkaError.ILLEGAL_SASL_STATE, 'SaslHandshake first');
  if (isScramMechanism(conn.saslMechanism) && ctx.scramCredential) return scramRound(conn.saslMechanism, bytes, conn, ctx);
  if (conn.saslMechanism !== 'PLAIN') return fail(KafkaError.ILLEGAL_SASL_STATE, 'SaslHandshake first');
  const creds = parsePlain(bytes);
  let result;
  try {
    result = creds ? await ctx.authenticate('PLAIN', creds.user, creds.password) : undefined;
  } catch (err) {
    ctx.logger.error({ err, conn: conn.id, user: creds?.user, mechanism: 'PLAIN' }, 'kafka SASL credential lookup failed');
    return fail(KafkaError.SASL_AUTHENTICATION_FAILED, 'Authentication failed: credentials could not be checked, try again');
  }
  if (!creds || !result) {
    ctx.logger.warn({ conn: conn.id, user: creds?.user, clientId: conn.clientId, mechanism: 'PLAIN' }, 'kafka SASL authentication failed');
    return fail(KafkaError.SASL_AUTHENTICATION_FAILED, 'Authentication failed: invalid username or password');
  }
  loggedIn(conn, creds.user, result.namespace);
  return ok(Buffer.alloc(0));
}

async function scramRound(mechanism: ScramMechanism, bytes: Buffer, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const refuse = (reason: string, user: string | undefined, message: string): Msg => {
    conn.scram = undefined;
    conn.saslMechanism = undefined;
    ctx.logger.warn({ conn: conn.id, user, clientId: conn.clientId, mechanism, reason }, 'kafka SASL authentication failed');
    return fail(KafkaError.SASL_AUTHENTICATION_FAILED, message);
  };
  const state = conn.scram;
  try {
    if (!state) {
      // round 1: client-first → server-first
      const exchange = new ScramServerExchange(mechanism);
      const first = exchange.clientFirst(bytes.toString('utf8'));
      const found = await ctx.scramCredential!(mechanism, first.user);
      const serverFirst = exchange.serverFirst(credentialOrStandIn(mechanism, first.user, found?.credential));
      conn.scram = { exchange, known: found !== undefined, ...(found?.namespace ? { namespace: found.namespace } : {}) };
      return ok(Buffer.from(serverFirst, 'utf8'));
    }
    // round 2: client-final → server-final
    const user = state.exchange.user!;
    const final = state.exchange.clientFinal(bytes.toString('utf8'));
    if (!final.ok || !state.known) {
      const reason = !state.known ? 'unknown user or no SCRAM credential stored (re-run `strata users add`)' : final.ok ? 'unexpected' : final.reason;
      return refuse(reason, user, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
    }
    loggedIn(conn, user, state.namespace);
    return ok(Buffer.from(final.serverFinal, 'utf8'));
  } catch (err) {
    if (err instanceof ScramError) return refuse(err.message, state?.exchange.user, `Authentication failed: ${err.message}`);
    // e.g. the credential registry could not be read: answered, never a silently dropped connection
    ctx.logger.error({ err, conn: conn.id, mechanism }, 'kafka SASL credential lookup failed');
    return refuse('credential lookup failed', state?.exchange.user, 'Authentication failed: credentials could not be checked, try again');
  }
}
