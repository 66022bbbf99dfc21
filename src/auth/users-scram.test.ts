import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword } from './password.js';
import { deriveScramCredential } from './scram.js';
import { addUser, UsersAuth } from './users.js';

describe('users file SCRAM keys', () => {
  it('addUser stores SCRAM keys for both mechanisms; entries without them serve PLAIN only', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'strata-users-scram-')), 'users.json');
    await addUser(path, 'alice', 'pw', { namespace: 'ns-a' });
    const file = JSON.parse(await readFile(path, 'utf8'));
    file.users.old = { password: await hashPassword('old-pw') }; // as written before SCRAM support
    await writeFile(path, JSON.stringify(file));
    const users = new UsersAuth({ path, allowAnonymous: false, defaultNamespace: 'kns' });
    await users.load();

    const found = await users.scramCredential('alice', 'SCRAM-SHA-512');
    expect(found?.namespace).toBe('ns-a');
    const salt = Buffer.from(found!.credential.salt, 'base64');
    // the stored keys are those of the password (same salt and iterations give the same keys)
    expect(await deriveScramCredential('SCRAM-SHA-512', 'pw', found!.credential.iterations, salt)).toEqual(found!.credential);
    expect((await users.scramCredential('alice', 'SCRAM-SHA-256'))?.credential.storedKey).toBeTruthy();
    expect(await users.scramCredential('old', 'SCRAM-SHA-256')).toBeUndefined();
    expect(await users.scramCredential('nobody', 'SCRAM-SHA-256')).toBeUndefined();
    expect(await users.scramCredential('__proto__', 'SCRAM-SHA-256')).toBeUndefined();
    // PLAIN/MQTT still work for both entries
    expect(await users.authenticate({ clientId: '', username: 'old', password: Buffer.from('old-pw') })).toMatchObject({ ok: true, namespace: 'kns' });
    expect(await users.authenticate({ clientId: '', username: 'alice', password: Buffer.from('pw') })).toMatchObject({ ok: true, namespace: 'ns-a' });
  });
});
