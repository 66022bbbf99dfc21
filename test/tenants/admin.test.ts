/**
 * Namespaces and credentials through the admin API, HTTP authentication, and registry credentials used
 * over MQTT — against a real broker process with anonymous access off and an admin token.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStrata, startStrata, type StrataProcess } from '../support/process.js';

const TOKEN = 'test-admin-token-0123456789';
let s: StrataProcess;
let base: string;

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const admin = { authorization: `Bearer ${TOKEN}` };

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  s = await startStrata({ env: { STRATA_MQTT_PORT: '0', STRATA_KAFKA_PORT: '0', STRATA_HTTP_PORT: '0', STRATA_ALLOW_ANONYMOUS: 'false', STRATA_ADMIN_TOKEN: TOKEN } });
  base = `http://127.0.0.1:${s.httpPort}`;
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe('admin API: namespaces and credentials', () => {
  it('refuses requests without or with wrong credentials (401 + WWW-Authenticate), keeps health open', async () => {
    expect((await call('GET', '/healthz', {})).status).toBe(200);
    const none = await call('GET', '/v1/namespaces', {});
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('STRATA_ERR_UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await call('GET', '/v1/namespaces', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await call('GET', '/v1/namespaces', { authorization: basic('ghost', 'x') })).status).toBe(401);
  });

  it('creates namespaces with quotas and credentials; validates input', async () => {
    const created = await call('PUT', '/v1/namespaces/acme', admin, { quotas: { maxConnections: 10, messagesPerSecond: 1000 } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'acme', quotas: { maxConnections: 10, messagesPerSecond: 1000 } });
    const again = await call('PUT', '/v1/namespaces/acme', admin, { quotas: { maxConnections: 20 } });
    expect(again.status).toBe(200);
    expect(again.json.quotas).toEqual({ maxConnections: 20 });
    expect((await call('PUT', '/v1/namespaces/acme', admin, { quotas: { bogus: 1 } })).status).toBe(400);
    expect((await call('PUT', '/v1/namespaces/bad%20name', admin, {})).status).toBe(400);
    expect((await call('PUT', '/v1/namespaces/globex', admin, {})).status).toBe(201);

    const cred = await call('PUT', '/v1/namespaces/acme/credentials/alice', admin, { password: 'alice-pw' });
    expect(cred.status).toBe(201);
    expect(cred.json).toMatchObject({ user: 'alice', namespace: 'acme' });
    expect(JSON.stringify(cred.json)).not.toMatch(/scrypt|storedKey/);
    expect((await call('PUT', '/v1/namespaces/globex/credentials/bob', admin, { password: 'bob-pw' })).status).toBe(201);
    const taken = await call('PUT', '/v1/namespaces/globex/credentials/alice', admin, { password: 'other' });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('STRATA_ERR_CREDENTIAL_EXISTS');
    expect((await call('PUT', '/v1/namespaces/nowhere/credentials/carol', admin, { password: 'x' })).json.error.code).toBe('STRATA_ERR_NAMESPACE_NOT_FOUND');
    const list = await call('GET', '/v1/namespaces/acme/credentials', admin);
    expect(list.json.credentials.map((c: { user: string }) => c.user)).toEqual(['alice']);
  });

  it('a tenant credential sees only its own namespace over HTTP', async () => {
    const alice = { authorization: basic('alice', 'alice-pw') };
    expect((await call('GET', '/v1/namespaces', { authorization: basic('alice', 'wrong') })).status).toBe(401);
    const mine = await call('GET', '/v1/namespaces', alice);
    expect(mine.status).toBe(200);
    expect(mine.json.namespaces.map((n: { name: string }) => n.name)).toEqual(['acme']);
    expect((await call('PUT', '/v1/namespaces/acme/topics/orders', { ...alice }, {})).status).toBe(201);
    expect((await call('POST', '/v1/namespaces/acme/topics/orders/records', alice, [{ value: 'hello' }])).status).toBe(200);
    // other namespaces: 403 whether they exist or not, admin endpoints 403
    for (const path of ['/v1/namespaces/globex/topics', '/v1/namespaces/no-such-ns/topics', '/v1/namespaces/globex']) {
      const r = await call('GET', path, alice);
      expect(r.status, path).toBe(403);
      expect(r.json.error.code).toBe('STRATA_ERR_FORBIDDEN');
    }
    expect((await call('PUT', '/v1/namespaces/acme', alice, {})).status).toBe(403);
    expect((await call('PUT', '/v1/namespaces/acme/credentials/mallory', alice, { password: 'x' })).status).toBe(403);
    expect((await call('GET', '/v1/status', alice)).status).toBe(403);
    const desc = await call('GET', '/v1/namespaces/acme', alice);
    expect(desc.json).toMatchObject({ name: 'acme', registered: true, usage: { topics: 1 } });
  });

  it('registry credentials log in over MQTT into their namespace; wrong ones are refused', async () => {
    const ok = mqtt.connect(`mqtt://127.0.0.1:${s.mqttPort}`, { username: 'alice', password: 'alice-pw', protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      ok.once('connect', () => resolve());
      ok.once('error', reject);
    });
    ok.end();
    const bad = mqtt.connect(`mqtt://127.0.0.1:${s.mqttPort}`, { username: 'alice', password: 'nope', protocolVersion: 5, reconnectPeriod: 0 });
    const err = await new Promise<Error & { code?: number }>((resolve) => bad.once('error', resolve));
    expect(err.code).toBe(134); // 0x86 Bad User Name or Password
    bad.end(true);
  });

  it('removing a credential or replacing its password closes the connections that used it', async () => {
    expect((await call('PUT', '/v1/namespaces/globex/credentials/temp', admin, { password: 'one' })).status).toBe(201);
    const connectAs = async (password: string) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${s.mqttPort}`, { username: 'temp', password, protocolVersion: 5, reconnectPeriod: 0 });
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
      const gone = new Promise<number | undefined>((resolve) => {
        c.once('disconnect', (p) => resolve(p.reasonCode));
        c.once('close', () => resolve(undefined));
      });
      return { c, gone };
    };
    const first = await connectAs('one');
    expect((await call('PUT', '/v1/namespaces/globex/credentials/temp', admin, { password: 'two' })).status).toBe(200);
    expect(await first.gone).toBe(0x98); // Administrative action
    first.c.end(true);
    const second = await connectAs('two');
    expect((await call('DELETE', '/v1/namespaces/globex/credentials/temp', admin)).status).toBe(204);
    expect(await second.gone).toBe(0x98);
    second.c.end(true);
    const again = mqtt.connect(`mqtt://127.0.0.1:${s.mqttPort}`, { username: 'temp', password: 'two', protocolVersion: 5, reconnectPeriod: 0 });
    const err = await new Promise<Error & { code?: number }>((resolve) => again.once('error', resolve));
    expect(err.code).toBe(135); // unknown user now: 0x87 Not authorized
    again.end(true);
    expect(s.logs().some((l) => l.msg === 'mqtt connections of a revoked credential closed' && l.user === 'temp')).toBe(true);
  });

  it('the CLI manages namespaces and credentials with the admin token', async () => {
    const env = { STRATA_URL: base, STRATA_TOKEN: TOKEN };
    const created = await runStrata(['namespaces', 'create', 'initech', '--max-connections', '5', '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'initech', quotas: { maxConnections: 5 } });
    const added = await runStrata(['credentials', 'add', 'initech', 'peter', '--password', 'tps-report'], { env });
    expect(added.code, added.stderr).toBe(0);
    const listed = await runStrata(['credentials', 'list', 'initech', '--json'], { env });
    expect(JSON.parse(listed.stdout).credentials.map((c: { user: string }) => c.user)).toEqual(['peter']);
    const ns = await runStrata(['namespaces', 'list', '--json'], { env });
    expect(JSON.parse(ns.stdout).namespaces.map((n: { name: string }) => n.name)).toEqual(expect.arrayContaining(['acme', 'globex', 'initech']));
    const noToken = await runStrata(["namespaces", "list"], { env: { STRATA_URL: base } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/STRATA_ERR_UNAUTHENTICATED/);
    const removed = await runStrata(['credentials', 'remove', 'initech', 'peter'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    const deleted = await runStrata(['namespaces', 'delete', 'initech'], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('deleting a namespace with topics needs force; credentials go with it', async () => {
    const r = await call('DELETE', '/v1/namespaces/acme', admin);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('STRATA_ERR_NAMESPACE_NOT_EMPTY');
    expect((await call('DELETE', '/v1/namespaces/acme?force=true', admin)).status).toBe(204);
    expect((await call('GET', '/v1/namespaces', { authorization: basic('alice', 'alice-pw') })).status).toBe(401);
    expect((await call('GET', '/v1/namespaces/acme', admin)).status).toBe(404);
  });
});
