/**
 * Namespaces are tenants: two namespaces with overlapping topic, group and agent names see nothing of
 * each other over MQTT (wildcards, $share groups, retained, persistent mailboxes), Kafka (topics, groups,
 * metadata listings) and HTTP (listings, records, history, agents) — on one real node with real clients.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent, type Agent } from '../../connectors/agent-sdk/index.js';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

const TOKEN = 'isolation-admin-token';
const TENANTS = { red: { user: 'red-user', password: 'red-pw' }, blue: { user: 'blue-user', password: 'blue-pw' } } as const;
type Tenant = keyof typeof TENANTS;
let dir: string;
let node: StrataNode;
const clients: MqttClient[] = [];
const agents: Agent[] = [];

const basic = (t: Tenant): string => `Basic ${Buffer.from(`${TENANTS[t].user}:${TENANTS[t].password}`).toString('base64')}`;
const http = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${node.ports.http}${path}`, init);
const as = (t: Tenant, path: string, init: RequestInit = {}) => http(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: basic(t) } });
const adminPut = (path: string, body: unknown) => http(path, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function connect(t: Tenant, clientId: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = mqtt.connect(`mqtt://127.0.0.1:${node.ports.mqtt}`, { clientId, username: TENANTS[t].user, password: TENANTS[t].password, protocolVersion: 5, reconnectPeriod: 0, ...extra });
  clients.push(c);
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

function collect(c: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

function kafka(t: Tenant): Kafka {
  return new Kafka({ clientId: `iso-${t}`, brokers: [`127.0.0.1:${node.ports.kafka}`], sasl: { mechanism: 'plain', username: TENANTS[t].user, password: TENANTS[t].password }, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-isolation-'));
  const argv = ['--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--kafka-port', '0', '--no-allow-anonymous', '--admin-token', TOKEN, '--mqtt-log-topics', 'jobs/#=history', '--kafka-group-initial-rebalance-delay', '100ms'];
  node = await startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
  for (const t of ['red', 'blue'] as const) {
    expect((await adminPut(`/v1/namespaces/${t}`, {})).status).toBe(201);
    expect((await adminPut(`/v1/namespaces/${t}/credentials/${TENANTS[t].user}`, { password: TENANTS[t].password })).status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => {})));
  for (const c of clients) c.end(true);
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('MQTT isolation', () => {
  it('wildcards, $share groups and retained messages stay inside the namespace', async () => {
    const watchers = { red: collect(await connect('red', 'watch')), blue: collect(await connect('blue', 'watch')) };
    const workers = { red: collect(await connect('red', 'worker')), blue: collect(await connect('blue', 'worker')) };
    for (const t of ['red', 'blue'] as const) {
      await clients.find((c) => c.options.clientId === 'watch' && c.options.username === TENANTS[t].user)!.subscribeAsync(['#', '+/+/card'], { qos: 1 });
      await clients.find((c) => c.options.clientId === 'worker' && c.options.username === TENANTS[t].user)!.subscribeAsync('$share/workers/jobs/#', { qos: 1 });
    }
    const pubs = { red: await connect('red', 'pub'), blue: await connect('blue', 'pub') };
    for (const t of ['red', 'blue'] as const) {
      await pubs[t].publishAsync('jobs/1', `${t}-job`, { qos: 1 });
      await pubs[t].publishAsync('agents/a1/card', `${t}-card`, { qos: 1, retain: true });
    }
    await settle();
    for (const t of ['red', 'blue'] as const) {
      const other = t === 'red' ? 'blue' : 'red';
      // '#' and '+/+/card' overlap: one copy (MQTT 5 §3.3.4 allows one per subscription, Strata sends one)
      expect(watchers[t].map((m) => m.payload).sort(), t).toEqual([`${t}-card`, `${t}-job`]);
      expect(workers[t].map((m) => m.payload), t).toEqual([`${t}-job`]);
      expect(JSON.stringify([...watchers[t], ...workers[t]])).not.toContain(other);
    }
    // a late subscriber gets only its namespace's retained message
    for (const t of ['red', 'blue'] as const) {
      const late = await connect(t, 'late');
      const got = collect(late);
      await late.subscribeAsync('#', { qos: 1 });
      await settle();
      expect(got.filter((m) => m.retain).map((m) => m.payload), t).toEqual([`${t}-card`]);
    }
  });

  it('a persistent session mailbox with the same client id belongs to its namespace', async () => {
    for (const t of ['red', 'blue'] as const) {
      const c = await connect(t, 'mailbox', { clean: false, properties: { sessionExpiryInterval: 300 } });
      await c.subscribeAsync('mail/#', { qos: 1 });
      await c.endAsync();
    }
    const sender = await connect('red', 'sender');
    await sender.publishAsync('mail/x', 'for-red-only', { qos: 1 });
    const got: Record<string, string[]> = {};
    for (const t of ['red', 'blue'] as const) {
      got[t] = [];
      const c = mqtt.connect(`mqtt://127.0.0.1:${node.ports.mqtt}`, { clientId: 'mailbox', clean: false, username: TENANTS[t].user, password: TENANTS[t].password, protocolVersion: 5, reconnectPeriod: 0, properties: { sessionExpiryInterval: 300 } });
      clients.push(c);
      c.on('message', (_topic, payload) => got[t]!.push(payload.toString()));
      await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    }
    await settle();
    expect(got).toEqual({ red: ['for-red-only'], blue: [] });
  });

  it('agents: discovery and the HTTP agents list show only the namespace\'s own agents', async () => {
    for (const t of ['red', 'blue'] as const) {
      const a = await connectAgent({ url: `mqtt://127.0.0.1:${node.ports.mqtt}`, agentId: 'helper', card: { name: `${t} helper`, skills: ['echo'] }, username: TENANTS[t].user, password: TENANTS[t].password, namespace: t, httpUrl: `http://127.0.0.1:${node.ports.http}`, mqtt: { reconnectPeriod: 0 } });
      await a.serve('echo', (x) => ({ x, from: t }));
      agents.push(a);
    }
    for (const [i, t] of (['red', 'blue'] as const).entries()) {
      const found = await agents[i]!.discover();
      expect(found.map((c) => c.name)).toEqual([`${t} helper`]);
      expect(await agents[i]!.request('skill:echo', 1)).toEqual({ x: 1, from: t });
      const res = await as(t, `/v1/namespaces/${t}/agents`);
      const body = (await res.json()) as { agents: Array<{ id: string; card: { name: string } }> };
      expect(body.agents.map((a) => a.card.name)).toEqual([`${t} helper`]);
      const other = t === 'red' ? 'blue' : 'red';
      expect((await as(t, `/v1/namespaces/${other}/agents`)).status).toBe(403);
      expect((await as(t, `/v1/namespaces/${other}/skills/echo/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '1' })).status).toBe(403);
    }
  });
});

describe('HTTP isolation', () => {
  it('history (MQTT copied to a log topic) is per namespace; listings show only the own namespace', async () => {
    for (const t of ['red', 'blue'] as const) {
      const other = t === 'red' ? 'blue' : 'red';
      const hist = await agents[t === 'red' ? 0 : 1]!.history({ topic: 'history' });
      expect(hist.map((r) => r.payload.toString())).toEqual([`${t}-job`]);
      const list = (await (await as(t, '/v1/namespaces')).json()) as { namespaces: Array<{ name: string }> };
      expect(list.namespaces.map((n) => n.name)).toEqual([t]);
      for (const path of [`/v1/namespaces/${other}/topics`, `/v1/namespaces/${other}/topics/history/partitions/0/records?offset=0`, `/v1/namespaces/${other}/groups`, '/v1/namespaces/ghost/topics']) {
        const r = await as(t, path);
        expect(r.status, `${t} → ${path}`).toBe(403);
      }
    }
  });
});

describe('Kafka isolation', () => {
  it('same topic and group names in two namespaces: each consumer sees only its own records, listings only its own names', async () => {
    for (const t of ['red', 'blue'] as const) {
      const admin = kafka(t).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }, { topic: `${t}-only`, numPartitions: 1 }] });
      const producer = kafka(t).producer();
      await producer.connect();
      await producer.send({ topic: 'orders', messages: [{ value: `${t}-order-1` }, { value: `${t}-order-2` }] });
      await producer.disconnect();
      await admin.disconnect();
    }
    for (const t of ['red', 'blue'] as const) {
      const consumer = kafka(t).consumer({ groupId: 'billing' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length >= 2) resolve();
          },
        });
      });
      await settle(300);
      await consumer.disconnect();
      expect(seen).toEqual([`${t}-order-1`, `${t}-order-2`]);
      const admin = kafka(t).admin();
      await admin.connect();
      const names = await admin.listTopics();
      expect(names).toEqual(expect.arrayContaining(['history', 'orders', `${t}-only`]));
      expect(names).not.toContain(`${t === 'red' ? 'blue' : 'red'}-only`);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toEqual(['billing']);
      const offsets = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
      expect(offsets[0]!.partitions[0]!.offset).toBe('2');
      await admin.disconnect();
    }
    // over HTTP too: each namespace's orders topic holds only its own records
    for (const t of ['red', 'blue'] as const) {
      const body = (await (await as(t, `/v1/namespaces/${t}/topics/orders/partitions/0/records?offset=0`)).json()) as { records: Array<{ value: string }> };
      expect(body.records.map((r) => r.value)).toEqual([`${t}-order-1`, `${t}-order-2`]);
    }
  });
});
