import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveScramCredential, scramHash, type ScramMechanism } from './scram.js';
import { decodeSaslName, encodeSaslName, mockCredential, parseClientFirst, ScramError, ScramServerExchange } from './scram-server.js';

/** The client side, written from RFC 5802 §3 independently of the server code. */
function clientFinal(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, gs2 = 'n,,', noncePrefix = ''): { message: string; serverSignature: string } {
  const hash = scramHash(mechanism);
  const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), hash === 'sha256' ? 32 : 64, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(gs2).toString('base64')},r=${noncePrefix}${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const sig = createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
  const serverKey = createHmac(hash, salted).update('Server Key').digest();
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature: createHmac(hash, serverKey).update(authMessage).digest('base64') };
}

describe('SCRAM server (RFC 5802 / RFC 7677)', () => {
  it('reproduces the RFC 7677 §3 SCRAM-SHA-256 example exchange', async () => {
    const credential = await deriveScramCredential('SCRAM-SHA-256', 'pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const x = new ScramServerExchange('SCRAM-SHA-256', () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    expect(x.clientFirst('n,,n=user,r=rOprNGfwEbeRWgbNEkqO').user).toBe('user');
    expect(x.serverFirst(credential)).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const final = x.clientFinal('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(final).toEqual({ ok: true, serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=' });
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: round trip with an independent client, and a wrong password fails`, async () => {
      const credential = await deriveScramCredential(mechanism, 'hunter2');
      for (const [password, ok] of [['hunter2', true], ['hunter3', false]] as const) {
        const x = new ScramServerExchange(mechanism);
        const bare = 'n=bob,r=abcdefghijklmnop';
        x.clientFirst(`n,,${bare}`);
        const serverFirst = x.serverFirst(credential);
        expect(serverFirst).toMatch(/^r=abcdefghijklmnop[^,]+,s=[^,]+,i=4096$/);
        const c = clientFinal(mechanism, password, bare, serverFirst);
        const r = x.clientFinal(c.message);
        expect(r.ok).toBe(ok);
        expect(r.serverFinal).toBe(ok ? `v=${c.serverSignature}` : 'e=invalid-proof');
      }
    });
  }

  it('accepts an authzid equal to the user (channel binding data then covers it)', async () => {
    const credential = await deriveScramCredential('SCRAM-SHA-256', 'pw');
    const x = new ScramServerExchange('SCRAM-SHA-256');
    const first = x.clientFirst('n,a=a=2Cb,n=a=2Cb,r=xyz');
    expect(first).toMatchObject({ user: 'a,b', authzid: 'a,b', gs2Header: 'n,a=a=2Cb,' });
    const serverFirst = x.serverFirst(credential);
    expect(x.clientFinal(clientFinal('SCRAM-SHA-256', 'pw', first.bare, serverFirst, 'n,a=a=2Cb,').message).ok).toBe(true);
  });

  it('refuses a wrong channel binding, a changed nonce and steps out of order', async () => {
    const credential = await deriveScramCredential('SCRAM-SHA-256', 'pw');
    const x = new ScramServerExchange('SCRAM-SHA-256');
    x.clientFirst('n,,n=u,r=n1');
    const sf = x.serverFirst(credential);
    const good = clientFinal('SCRAM-SHA-256', 'pw', 'n=u,r=n1', sf).message;
    expect(x.clientFinal(good.replace('c=biws', 'c=eSws'))).toMatchObject({ ok: false, serverFinal: 'e=channel-bindings-dont-match' });
    expect(() => x.clientFinal(good)).toThrow(ScramError);

    const y = new ScramServerExchange('SCRAM-SHA-256');
    y.clientFirst('n,,n=u,r=n1');
    const sf2 = y.serverFirst(credential);
    expect(y.clientFinal(clientFinal('SCRAM-SHA-256', 'pw', 'n=u,r=n1', sf2).message.replace(/r=n1/, 'r=n2')).ok).toBe(false);
    expect(() => new ScramServerExchange('SCRAM-SHA-256').serverFirst(credential)).toThrow(ScramError);
  });

  it('accepts a final nonce that ends with the server nonce, as Kafka does (librdkafka 2.0 sends cnonce + nonce)', async () => {
    const credential = await deriveScramCredential('SCRAM-SHA-512', 'pw');
    const x = new ScramServerExchange('SCRAM-SHA-512');
    x.clientFirst('n,,n=u,r=n1');
    const sf = x.serverFirst(credential);
    expect(x.clientFinal(clientFinal('SCRAM-SHA-512', 'pw', 'n=u,r=n1', sf, 'n,,', 'n1').message).ok).toBe(true);
  });

  it('parses and refuses client-first messages per RFC 5802 §5.1 and KIP-84', () => {
    expect(parseClientFirst('y,,n=u,r=abc')).toMatchObject({ user: 'u', nonce: 'abc', bare: 'n=u,r=abc' });
    expect(parseClientFirst('n,,n=u,r=abc,tokenauth=false,foo=bar').user).toBe('u');
    for (const bad of [
      'p=tls-unique,,n=u,r=abc', // channel binding
      'n,,n=u,r=abc,tokenauth=true', // delegation token
      'n,,m=ext,n=u,r=abc', // mandatory extension
      'n,a=other,n=u,r=abc', // authzid other than the user
      'n,,n=a=2Xb,r=abc', // bad saslname escape
      'n,,n=,r=abc',
      'n,,r=abc,n=u',
      'x,,n=u,r=abc',
      'n,,n=u',
      '',
    ]) {
      expect(() => parseClientFirst(bad), bad).toThrow(ScramError);
    }
    expect(decodeSaslName('a=3Db=2Cc')).toBe('a=b,c');
    expect(encodeSaslName('a=b,c')).toBe('a=3Db=2Cc');
  });

  it('mock credentials are stable per user and never verify', async () => {
    const secret = Buffer.from('s3cret');
    expect(mockCredential('SCRAM-SHA-512', 'ghost', secret)).toEqual(mockCredential('SCRAM-SHA-512', 'ghost', secret));
    expect(mockCredential('SCRAM-SHA-512', 'ghost', secret).salt).not.toBe(mockCredential('SCRAM-SHA-512', 'ghost2', secret).salt);
    const x = new ScramServerExchange('SCRAM-SHA-512');
    x.clientFirst('n,,n=ghost,r=abc');
    const sf = x.serverFirst(mockCredential('SCRAM-SHA-512', 'ghost', secret));
    expect(x.clientFinal(clientFinal('SCRAM-SHA-512', '', 'n=ghost,r=abc', sf).message).ok).toBe(false);
  });
});
