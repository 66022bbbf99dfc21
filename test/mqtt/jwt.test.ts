/** JWT passwords: HMAC, RSA public key, JWKS file; expiry; the `acl` claim. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { jwtAuthenticator, tokenAclAuthorizer } from '../../src/auth/jwt.js';
import { ALLOW_ALL } from '../../src/auth/types.js';
import { closeAll, connect, connectCollect, startBroker, type TestBroker } from './helpers.js';

const running: TestBroker[] = [];
afterEach(async () => {
  await closeAll();
  for (const tb of running.splice(0)) await tb.close();
});

const deny = { authenticate: async () => ({ ok: false as const, reason: 'not_authorized' as const }) };
const dir = mkdtempSync(join(tmpdir(), 'strata-jwt-'));

describe('JWT', () => {
  it('HMAC: valid token in, expired or wrongly signed token out, other passwords fall through', async () => {
    const auth = jwtAuthenticator({ secret: 's3cret', issuer: 'me' }, deny);
    const key = new TextEncoder().encode('s3cret');
    const good = await new SignJWT({ ns: 'tenant1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('me').setExpirationTime('1h').sign(key);
    expect(await auth.authenticate({ clientId: 'c', password: Buffer.from(good) })).toEqual({ ok: true, user: 'bob', namespace: 'tenant1' });
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('me').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
    expect((await auth.authenticate({ clientId: 'c', password: Buffer.from(expired) })).ok).toBe(false);
    const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setIssuer('me').sign(new TextEncoder().encode('other'));
    expect((await auth.authenticate({ clientId: 'c', password: Buffer.from(wrong) })).ok).toBe(false);
    const noIss = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').sign(key);
    expect((await auth.authenticate({ clientId: 'c', password: Buffer.from(noIss) })).ok).toBe(false);
    expect(await auth.authenticate({ clientId: 'c', password: Buffer.from('plain') })).toEqual({ ok: false, reason: 'not_authorized' });
  });

  it('RSA public key file and EC JWKS file', async () => {
    const rsa = await generateKeyPair('RS256');
    writeFileSync(join(dir, 'rsa.pem'), await exportSPKI(rsa.publicKey));
    const byPem = jwtAuthenticator({ publicKeyFile: join(dir, 'rsa.pem') }, deny);
    const t1 = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('r').sign(rsa.privateKey);
    expect((await byPem.authenticate({ clientId: 'c', password: Buffer.from(t1) })).ok).toBe(true);
    const ec = await generateKeyPair('ES256');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const byJwks = jwtAuthenticator({ jwksFile: join(dir, 'jwks.json') }, deny);
    const t2 = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('e').sign(ec.privateKey);
    expect(await byJwks.authenticate({ clientId: 'c', password: Buffer.from(t2) })).toEqual({ ok: true, user: 'e', namespace: 'default' });
  });

  it('the acl claim is enforced on the broker', async () => {
    const key = new TextEncoder().encode('k');
    const tb = await startBroker({ server: { authenticator: jwtAuthenticator({ secret: 'k' }, deny), authorizer: tokenAclAuthorizer(ALLOW_ALL) } });
    running.push(tb);
    const token = await new SignJWT({ acl: [{ action: 'all', topic: 'own/%u/#' }] }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').sign(key);
    await expect(connect(tb, { username: 'x', password: 'not-a-token' })).rejects.toThrow();
    const { client, got } = await connectCollect(tb, { protocolVersion: 5, username: 'ann', password: token });
    const err = (await client.subscribeAsync({ 'own/ann/#': { qos: 1 }, 'other/#': { qos: 1 } }).catch((e: unknown) => e)) as { packet: { granted: number[] } };
    expect(err.packet.granted).toEqual([1, 0x87]);
    await client.publishAsync('own/ann/x', 'mine', { qos: 1 });
    expect((await got.wait(1))[0]!.payload.toString()).toBe('mine');
  });
});
