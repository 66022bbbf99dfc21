/** The client side of SCRAM (RFC 5802) for MQTT 5 enhanced-authentication tests. */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ScramMechanism } from '../../src/auth/scram.js';

/** The client side of RFC 5802, enough for these tests. */
export function scramClient(mechanism: ScramMechanism, user: string, password: string) {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const bare = `n=${user},r=${randomBytes(18).toString('base64')}`;
  return {
    first: Buffer.from(`n,,${bare}`),
    final(serverFirst: string): { message: Buffer; serverFinal: string } {
      const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
      const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), hash === 'sha256' ? 32 : 64, hash);
      const clientKey = createHmac(hash, salted).update('Client Key').digest();
      const storedKey = createHash(hash).update(clientKey).digest();
      const withoutProof = `c=biws,r=${attrs.r}`;
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const signature = createHmac(hash, storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
      const serverKey = createHmac(hash, salted).update('Server Key').digest();
      return { message: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`), serverFinal: `v=${createHmac(hash, serverKey).update(authMessage).digest('base64')}` };
    },
  };
}

