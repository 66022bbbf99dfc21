/**
 * SCRAM credentials (RFC 5802, RFC 7677; Kafka SASL/SCRAM-SHA-256 and -512). What is stored for a user is
 * never the password: salt, iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey = HMAC(SaltedPassword, "Server Key"), with SaltedPassword = PBKDF2(password, salt, i).
 * The server side of the exchange is in scram-server.ts.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

export function isScramMechanism(m: string | undefined): m is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(m ?? '');
}

/** One mechanism's stored keys; binary fields are base64. */
export interface ScramCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

export type ScramCredentials = Partial<Record<ScramMechanism, ScramCredential>>;

/** Kafka's minimum is 4096 iterations; its tools default to 4096 too. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

export function scramHash(mechanism: ScramMechanism): 'sha256' | 'sha512' {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const hash = scramHash(mechanism);
  const len = hash === 'sha256' ? 32 : 64;
  // RFC 5802 wants the password SASLprep-normalised; NFKC is its core and what most clients send.
  return new Promise((resolve, reject) => pbkdf2(password.normalize('NFKC'), salt, iterations, len, hash, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function deriveScramCredential(mechanism: ScramMechanism, password: string, iterations = DEFAULT_SCRAM_ITERATIONS, salt = randomBytes(24)): Promise<ScramCredential> {
  const hash = scramHash(mechanism);
  const salted = await saltedPassword(mechanism, password, salt, iterations);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: createHash(hash).update(clientKey).digest('base64'),
    serverKey: createHmac(hash, salted).update('Server Key').digest('base64'),
  };
}

/** Both mechanisms' credentials for a password (what `strata users add` and the admin API store). */
export async function deriveScramCredentials(password: string, iterations = DEFAULT_SCRAM_ITERATIONS): Promise<ScramCredentials> {
  const out: ScramCredentials = {};
  for (const m of SCRAM_MECHANISMS) out[m] = await deriveScramCredential(m, password, iterations);
  return out;
}
