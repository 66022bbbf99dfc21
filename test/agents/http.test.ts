/**
 * HTTP side of agent channels in a whole node: list agents, requests to one agent or a skill pool that
 * wait for the reply (plain, streamed, error, timeout), served by SDK agents over MQTT.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent, type Agent } from '../../connectors/agent-sdk/index.js';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

let dir: string;
let node: StrataNode;
const agents: Agent[] = [];
const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${node.ports.http}${path}`, init);
const post = (path: string, body: unknown, type = 'application/json') =>
  http(path, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' && type !== 'application/json' ? body : JSON.stringify(body) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-agents-http-'));
  const argv = ['--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--kafka-enabled', 'false'];
  node = await startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
  const url = `mqtt://127.0.0.1:${node.ports.mqtt}`;
  for (let i = 0; i < 2; i++) {
    const a = await connectAgent({ url, agentId: `calc-${i}`, card: { name: `Calculator ${i}`, skills: ['sum', 'count', 'boom', 'slow'] }, mqtt: { reconnectPeriod: 0 } });
    await a.serve('sum', (xs) => ({ sum: (xs as number[]).reduce((p, q) => p + q, 0), by: a.agentId }));
    await a.serve('count', function* (n) {
      for (let k = 1; k <= Number(n); k++) yield k;
    });
    await a.serve('boom', () => {
      throw new Error('kaboom');
    });
    await a.serve('slow', () => new Promise((r) => setTimeout(() => r('late'), 5000)));
    agents.push(a);
  }
  const gone = await connectAgent({ url, agentId: 'gone', card: { name: 'Gone', skills: [] } });
  await gone.close();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('HTTP agents API', () => {
  it('lists the agents of a namespace with their cards and presence', async () => {
    const res = await http('/v1/namespaces/default/agents');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { agents: Array<{ id: string; status: string; card: { name: string; skills: string[] } }> };
    expect(body.agents.map((a) => [a.id, a.status])).toEqual([
      ['calc-0', 'online'],
      ['calc-1', 'online'],
      ['gone', 'offline'],
    ]);
    expect(body.agents[0]!.card).toMatchObject({ id: 'calc-0', name: 'Calculator 0', skills: ['sum', 'count', 'boom', 'slow'] });
    // Another namespace sees none of them.
    expect(await (await http('/v1/namespaces/other/agents')).json()).toEqual({ agents: [] });
  });

  it('a request to one agent waits for its reply', async () => {
    const res = await post('/v1/namespaces/default/agents/calc-1/requests?skill=sum', [1, 2, 3]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ sum: 6, by: 'calc-1' });
  });

  it('requests to a skill pool are spread over its members', async () => {
    const bys = await Promise.all(Array.from({ length: 20 }, async () => ((await (await post('/v1/namespaces/default/skills/sum/requests', [2, 2])).json()) as { sum: number; by: string })));
    expect(bys.every((b) => b.sum === 4)).toBe(true);
    expect(new Set(bys.map((b) => b.by))).toEqual(new Set(['calc-0', 'calc-1']));
  });

  it('a streamed answer comes back as its chunks in order', async () => {
    const res = await post('/v1/namespaces/default/skills/count/requests', '5', 'text/plain');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ chunks: [1, 2, 3, 4, 5] });
  });

  it('an agent error answers 502, no answer in time 504, a bad agent name 400', async () => {
    const err = await post('/v1/namespaces/default/skills/boom/requests', null);
    expect(err.status).toBe(502);
    expect(await err.json()).toMatchObject({ error: { code: 'STRATA_ERR_AGENT_ERROR', message: 'kaboom' } });
    const t0 = Date.now();
    const slow = await post('/v1/namespaces/default/skills/slow/requests?timeout_ms=300', null);
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: { code: 'STRATA_ERR_AGENT_TIMEOUT', retriable: true } });
    expect(Date.now() - t0).toBeLessThan(2000);
    const nobody = await post('/v1/namespaces/default/agents/nobody/requests?timeout_ms=200', null);
    expect(nobody.status).toBe(504);
    expect((await post('/v1/namespaces/default/agents/%24SYS/requests', null)).status).toBe(400);
  });

  it('Accept: text/event-stream streams the chunks as server-sent events', async () => {
    const res = await http('/v1/namespaces/default/skills/count/requests', { method: 'POST', headers: { 'content-type': 'text/plain', accept: 'text/event-stream' }, body: '3' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe(
      'event: chunk\nid: 0\ndata: 1\n\nevent: chunk\nid: 1\ndata: 2\n\nevent: chunk\nid: 2\ndata: 3\n\nevent: end\ndata: {"chunks":3}\n\n',
    );
    const one = await http('/v1/namespaces/default/agents/calc-0/requests?skill=sum', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '[4,5]' });
    expect(await one.text()).toBe('event: reply\ndata: {"sum":9,"by":"calc-0"}\n\nevent: end\ndata: {"chunks":0}\n\n');
    const late = await http('/v1/namespaces/default/skills/slow/requests?timeout_ms=200', { method: 'POST', headers: { accept: 'text/event-stream' } });
    expect(await late.text()).toMatch(/^event: error\ndata: \{"code":"STRATA_ERR_AGENT_TIMEOUT"/);
  });

  it('the routes are in /openapi.json', async () => {
    const doc = (await (await http('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/v1/namespaces/{ns}/agents']?.get).toBeDefined();
    expect(doc.paths['/v1/namespaces/{ns}/agents/{agent}/requests']?.post).toBeDefined();
    expect(doc.paths['/v1/namespaces/{ns}/skills/{skill}/requests']?.post).toBeDefined();
  });
});
