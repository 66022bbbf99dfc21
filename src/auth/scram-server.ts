/**
 * The server side of one SCRAM exchange (RFC 5802 §3, §5, §7; RFC 7677 SCRAM-SHA-256; Kafka KIP-84), as a
 * state machine with no I/O: the caller parses client-first, looks the user's stored credential up, asks
 * for server-first, then verifies client-final and sends server-final.
 *
 *   C: client-first  = gs2-header client-first-bare        gs2-header = "n," [ "a=" saslname ] ","
 *                      client-first-bare = [ "m=" ... "," ] "n=" saslname ",r=" c-nonce [ "," extensions ]
 *   S: server-first  = "r=" c-nonce s-nonce ",s=" salt ",i=" iterations
 *   C: client-final  = "c=" base64(gs2-header) ",r=" c-nonce s-nonce [ "," extensions ] ",p=" ClientProof
 *   S: server-final  = "v=" ServerSignature
 *
 * AuthMessage = client-first-bare "," server-first "," client-final-without-proof;
 * ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), valid when H(ClientKey) = StoredKey;
 * ServerSignature = HMAC(ServerKey, AuthMessage).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { scramHash, type ScramCredential, type ScramMechanism } from './scram.js';

/** A refused exchange; `message` is safe to send to the client (it names no stored secret). */
export class ScramError extends Error {
  override readonly name = 'ScramError';
}

export interface ClientFirst {
  user: string;
  /** Authorization identity from the gs2 header, when the client sent one. */
  authzid?: string;
  nonce: string;
  gs2Header: string;
  bare: string;
}

/** RFC 5802 §5.1: in a saslname "," is sent as "=2C" and "=" as "=3D"; any other "=" is invalid. */
export function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError(`invalid saslname encoding in "${s}"`);
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function encodeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** printable = %x21-2B / %x2D-7E (no ","): RFC 5802 §7 nonce characters. */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

export function parseClientFirst(message: string): ClientFirst {
  // gs2-cbind-flag: "n" (no channel binding) or "y" (client could bind but thinks the server cannot:
  // true, no -PLUS mechanism is offered). "p=" asks for channel binding, which Strata does not support.
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,/.exec(message);
  if (!m) throw new ScramError(message.startsWith('p=') ? 'channel binding is not supported' : 'malformed client-first message (gs2 header)');
  if (m[1]!.startsWith('p=')) throw new ScramError('channel binding is not supported');
  const gs2Header = m[0];
  const authzid = m[2] ? decodeSaslName(m[2].slice(2)) : undefined;
  const bare = message.slice(gs2Header.length);
  const attrs = bare.split(',');
  // RFC 5802 §5.1: "m" is reserved for a mandatory extension; a server that does not know it must fail.
  if (attrs[0]?.startsWith('m=')) throw new ScramError('mandatory extensions are not supported');
  if (!attrs[0]?.startsWith('n=') || !attrs[1]?.startsWith('r=')) throw new ScramError('malformed client-first message (expected n=user,r=nonce)');
  const user = decodeSaslName(attrs[0].slice(2));
  const nonce = attrs[1].slice(2);
  if (user === '') throw new ScramError('empty user name');
  if (!NONCE.test(nonce)) throw new ScramError('invalid client nonce');
  for (const ext of attrs.slice(2)) {
    const eq = ext.indexOf('=');
    if (eq <= 0) throw new ScramError(`malformed extension "${ext}"`);
    // Kafka KIP-48: tokenauth=true authenticates with a delegation token, which Strata does not issue
    if (ext.slice(0, eq) === 'tokenauth' && ext.slice(eq + 1).toLowerCase() === 'true') throw new ScramError('delegation tokens (tokenauth) are not supported');
  }
  // Kafka (ScramSaslServer): an authorization id other than the user itself is refused
  if (authzid !== undefined && authzid !== '' && authzid !== user) throw new ScramError('authorization id differs from the user name');
  return { user, ...(authzid ? { authzid } : {}), nonce, gs2Header, bare };
}

export type ScramFinal = { ok: true; serverFinal: string } | { ok: false; reason: string; serverFinal: string };

/** One exchange: clientFirst → serverFirst → clientFinal; each step once, in order. */
export class ScramServerExchange {
  private first?: ClientFirst;
  private serverFirstMessage?: string;
  private credential?: ScramCredential;
  private state: 'initial' | 'client-first' | 'server-first' | 'done' = 'initial';

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly serverNonce: () => string = () => randomBytes(18).toString('base64'),
  ) {}

  get user(): string | undefined {
    return this.first?.user;
  }

  clientFirst(message: string): ClientFirst {
    if (this.state !== 'initial') throw new ScramError('unexpected client-first message');
    this.first = parseClientFirst(message);
    this.state = 'client-first';
    return this.first;
  }

  /** server-first for the user's stored credential (or a mock one for an unknown user, see mockCredential). */
  serverFirst(credential: ScramCredential): string {
    if (this.state !== 'client-first') throw new ScramError('unexpected server-first step');
    this.credential = credential;
    const nonce = this.first!.nonce + this.serverNonce();
    this.serverFirstMessage = `r=${nonce},s=${credential.salt},i=${credential.iterations}`;
    this.state = 'server-first';
    return this.serverFirstMessage;
  }

  clientFinal(message: string): ScramFinal {
    if (this.state !== 'server-first') throw new ScramError('unexpected client-final message');
    this.state = 'done';
    const fail = (reason: string, e = 'other-error'): ScramFinal => ({ ok: false, reason, serverFinal: `e=${e}` });
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) return fail('malformed client-final message (no proof)');
    const withoutProof = message.slice(0, proofAt);
    const attrs = withoutProof.split(',');
    if (!attrs[0]?.startsWith('c=') || !attrs[1]?.startsWith('r=')) return fail('malformed client-final message (expected c=…,r=…)');
    // RFC 5802 §7: c = base64 of the gs2 header sent in client-first ("biws" for "n,,")
    if (attrs[0].slice(2) !== Buffer.from(this.first!.gs2Header, 'utf8').toString('base64')) return fail('channel binding data does not match the gs2 header', 'channel-bindings-dont-match');
    const expectedNonce = /^r=([^,]*)/.exec(this.serverFirstMessage!)![1];
    // RFC 5802 §5.1 wants exactly the server-first nonce; Kafka's ScramSaslServer accepts any value that ends
    // with it, and librdkafka up to 2.x relies on that (it sends client nonce + full nonce). The proof covers
    // the nonce as sent, so this admits nothing a wrong password could pass.
    if (!attrs[1].slice(2).endsWith(expectedNonce)) return fail('nonce does not match', 'other-error');
    const hash = scramHash(this.mechanism);
    const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
    const storedKey = Buffer.from(this.credential!.storedKey, 'base64');
    const authMessage = `${this.first!.bare},${this.serverFirstMessage},${withoutProof}`;
    const signature = createHmac(hash, storedKey).update(authMessage).digest();
    if (proof.length !== signature.length) return fail('invalid proof', 'invalid-proof');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    const computed = createHash(hash).update(clientKey).digest();
    if (computed.length !== storedKey.length || !timingSafeEqual(computed, storedKey)) return fail('invalid proof', 'invalid-proof');
    const serverSignature = createHmac(hash, Buffer.from(this.credential!.serverKey, 'base64')).update(authMessage).digest('base64');
    return { ok: true, serverFinal: `v=${serverSignature}` };
  }
}

/**
 * A stand-in credential for an unknown user (RFC 5802 §9: do not reveal which users exist): the salt is
 * stable per user and secret, the keys match no password, so the exchange fails only at the proof.
 */
export function mockCredential(mechanism: ScramMechanism, user: string, secret: Buffer, iterations = 4096): ScramCredential {
  const hash = scramHash(mechanism);
  const mac = (label: string): string => createHmac(hash, secret).update(`${label}\u0000${mechanism}\u0000${user}`).digest('base64');
  return { salt: Buffer.from(mac('salt'), 'base64').subarray(0, 24).toString('base64'), iterations, storedKey: mac('stored'), serverKey: mac('server') };
}

/** Keys the stand-in credentials of unknown users (stable for the process, secret). */
const STAND_IN_SECRET = randomBytes(32);

/**
 * The credential a server-first is built from: the user's stored one, or for an unknown user (or an entry
 * without SCRAM keys) a stand-in, so the answer does not tell which users exist; the exchange then fails at
 * the proof (RFC 5802 §9).
 */
export function credentialOrStandIn(mechanism: ScramMechanism, user: string, stored: ScramCredential | undefined): ScramCredential {
  return stored ?? mockCredential(mechanism, user, STAND_IN_SECRET);
}
