/** Users file (scrypt), ACLs with wildcards and %u/%c, anonymous policy, and `strata users`. */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aclAllows, filterCovered, filtersOverlap } from '../../src/auth/acl.js';
import { runUsersCommand } from '../../src/auth/cli.js';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { addUser, UsersAuth } from '../../src/auth/users.js';
import { closeAll, connect, connectCollect, sleep, startBroker, type TestBroker } from './helpers.js';

const running: TestBroker[] = [];
afterEach(async () => {
  await closeAll();
  for (const tb of running.splice(0)) await tb.close();
});

describe('passwords', () => {
  it('scrypt hashes are salted and verify only the right password', async () => {
    const a = await hashPassword('secret');
    const b = await hashPassword('secret');
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(await verifyPassword('secret', a)).toBe(true);
    expect(await verifyPassword('Secret', a)).toBe(false);
    expect(await verifyPassword('secret', 'plain')).toBe(false);
  });
});

describe('ACL', () => {
  const id = { clientId: 'dev1', user: 'alice', namespace: 'default' };
  it('covers filters by filters', () => {
    expect(filterCovered('a/#', 'a/+/c')).toBe(true);
    expect(filterCovered('a/+', 'a/#')).toBe(false);
    expect(filterCovered('a/+', 'a/b')).toBe(true);
    expect(filterCovered('#', 'x/y')).toBe(true);
    expect(filterCovered('a/b', 'a/b/c')).toBe(false);
  });
  it('substitutes %u and %c, first match decides, deny rules, shared filters', () => {
    const rules = [
      { action: 'publish' as const, topic: 'devices/%c/secret', deny: true },
      { action: 'all' as const, topic: 'devices/%c/#' },
      { action: 'subscribe' as const, topic: 'users/%u/+' },
    ];
    expect(aclAllows(rules, id, 'publish', 'devices/dev1/temp')).toBe(true);
    expect(aclAllows(rules, id, 'publish', 'devices/dev1/secret')).toBe(false);
    expect(aclAllows(rules, id, 'publish', 'devices/dev2/temp')).toBe(false);
    expect(aclAllows(rules, id, 'subscribe', 'users/alice/inbox')).toBe(true);
    expect(aclAllows(rules, id, 'subscribe', 'users/alice/#')).toBe(false);
    expect(aclAllows(rules, id, 'subscribe', '$share/g/devices/dev1/+')).toBe(true);
    expect(aclAllows(rules, { ...id, clientId: 'a/#' }, 'publish', 'devices/a/#/x')).toBe(false);
  });
  it('a subscribe deny rule cannot be bypassed by a wider wildcard filter', () => {
    const rules = [
      { action: 'subscribe' as const, topic: 'home/%u/secret', deny: true },
      { action: 'all' as const, topic: 'home/%u/#' },
    ];
    expect(aclAllows(rules, id, 'subscribe', 'home/alice/temp')).toBe(true);
    expect(aclAllows(rules, id, 'subscribe', 'home/alice/+/x')).toBe(true);
    expect(aclAllows(rules, id, 'subscribe', 'home/alice/secret')).toBe(false);
    expect(aclAllows(rules, id, 'subscribe', 'home/alice/#')).toBe(false);
    expect(aclAllows(rules, id, 'subscribe', 'home/alice/+')).toBe(false);
    expect(aclAllows(rules, id, 'subscribe', '$share/g/home/+/secret')).toBe(false);
    expect(filtersOverlap('a/#', 'a')).toBe(true);
    expect(filtersOverlap('a/+', 'a/b/c')).toBe(false);
    expect(filtersOverlap('+/b', 'a/+')).toBe(true);
  });
});

describe('users file on the broker', () => {
  async function setup(allowAnonymous: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-users-'));
    const path = join(dir, 'users.json');
    await addUser(path, 'alice', 'wonderland', { acl: [{ action: 'all', topic: 'home/%u/#' }] });
    await addUser(path, 'admin', 'root');
    const users = new UsersAuth({ path, allowAnonymous });
    await users.load();
    const tb = await startBroker({ server: { authenticator: users, authorizer: users } });
    running.push(tb);
    return { tb, path };
  }

  it.each([4, 5] as const)('protocol %i: bad password refused, ACL enforced on subscribe and publish', async (protocolVersion) => {
    const { tb } = await setup(false);
    await expect(connect(tb, { protocolVersion, username: 'alice', password: 'nope' })).rejects.toThrow(/Bad User ?Name or Password/i);
    await expect(connect(tb, { protocolVersion })).rejects.toThrow();
    const { client: alice, got } = await connectCollect(tb, { protocolVersion, username: 'alice', password: 'wonderland' });
    const err = (await alice.subscribeAsync({ 'home/alice/#': { qos: 1 }, 'home/bob/#': { qos: 1 } }).catch((e: unknown) => e)) as { packet: { granted: number[] } };
    expect(err.packet.granted).toEqual([1, protocolVersion === 5 ? 0x87 : 0x80]);
    const admin = await connect(tb, { protocolVersion, username: 'admin', password: 'root' });
    await admin.publishAsync('home/alice/lamp', 'on', { qos: 1 });
    expect((await got.wait(1))[0]!.payload.toString()).toBe('on');
    // a denied publish is dropped (v5: PUBACK 0x87)
    const { client: watcher, got: seen } = await connectCollect(tb, { protocolVersion, username: 'admin', password: 'root' });
    await watcher.subscribeAsync('home/#', { qos: 1 });
    if (protocolVersion === 5) await expect(alice.publishAsync('home/bob/x', 'no', { qos: 1 })).rejects.toThrow();
    else await alice.publishAsync('home/bob/x', 'no', { qos: 1 });
    await alice.publishAsync('home/alice/x', 'yes', { qos: 1 });
    await seen.wait(1);
    await sleep(50);
    expect(seen.messages.map((m) => m.payload.toString())).toEqual(['yes']);
  });

  it('a user added while running can connect (file re-read)', async () => {
    const { tb, path } = await setup(false);
    await sleep(1100);
    expect(await runUsersCommand(['add', 'late', '--password', 'pw', '--acl', 'all:x/#', '--users-file', path], { out() {}, err() {} })).toBe(0);
    await connect(tb, { username: 'late', password: 'pw' });
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.users.late.acl).toEqual([{ action: 'all', topic: 'x/#' }]);
  });

  it('namespaces are tenants: users of different namespaces never see each other', async () => {
    const { tb, path } = await setup(false);
    await addUser(path, 't1', 'p', { namespace: 'tenant1' });
    await addUser(path, 't2', 'p', { namespace: 'tenant2' });
    await sleep(1100);
    const a = await connectCollect(tb, { username: 't1', password: 'p' });
    const b = await connectCollect(tb, { username: 't2', password: 'p' });
    await a.client.subscribeAsync('#', { qos: 1 });
    await b.client.subscribeAsync('#', { qos: 1 });
    await a.client.publishAsync('same/topic', 'from-t1', { qos: 1, retain: true });
    await b.client.publishAsync('same/topic', 'from-t2', { qos: 1 });
    expect((await a.got.wait(1))[0]!.payload.toString()).toBe('from-t1');
    expect((await b.got.wait(1))[0]!.payload.toString()).toBe('from-t2');
    await sleep(100);
    expect(a.got.messages.length + b.got.messages.length).toBe(2);
    expect(tb.broker.space('tenant2').retained.size).toBe(0);
  });

  it("another user's CONNECT with the same client id never resumes the session (its subscriptions passed the owner's ACL)", async () => {
    const { tb, path } = await setup(false);
    await addUser(path, 'bob', 'pw', { acl: [{ action: 'all', topic: 'home/%u/#' }] });
    await sleep(1100);
    const alice = await connect(tb, { protocolVersion: 5, clientId: 'dev-1', clean: false, properties: { sessionExpiryInterval: 600 }, username: 'alice', password: 'wonderland' });
    await alice.subscribeAsync('home/alice/#', { qos: 1 });
    await alice.endAsync();
    let present: boolean | undefined;
    const bob = await connectCollect(tb, { protocolVersion: 5, clientId: 'dev-1', clean: false, properties: { sessionExpiryInterval: 600 }, username: 'bob', password: 'pw' });
    present = (bob.client as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent;
    const admin = await connect(tb, { username: 'admin', password: 'root' });
    await admin.publishAsync('home/alice/lamp', 'private', { qos: 1 });
    await sleep(100);
    expect(present).toBe(false);
    expect(bob.got.messages).toEqual([]);
    expect([...tb.broker.space('default').sessions.get('dev-1')!.subscriptions.keys()]).toEqual([]);
    // the owner still resumes its own session
    await bob.client.endAsync();
    const again = await connect(tb, { protocolVersion: 5, clientId: 'dev-1', clean: false, properties: { sessionExpiryInterval: 600 }, username: 'bob', password: 'pw' });
    expect((again as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent).toBe(true);
  });

  it('anonymous clients are accepted only when allowed', async () => {
    const { tb } = await setup(true);
    await connect(tb, {});
  });
});
