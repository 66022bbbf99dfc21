/**
 * Channel history in a whole node: agent traffic mapped to log topics (mqttLogTopics) is replayed over the
 * HTTP records API from an offset and from a time, after the node restarted on the same data dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent, history, type Agent } from '../../connectors/agent-sdk/index.js';
import { resolveConfig } from '../../src/server/config.js';
import { startNode, type StrataNode } from '../../src/server/node.js';

let dir: string;
let node: StrataNode | undefined;

async function start(): Promise<StrataNode> {
  const argv = ['--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--kafka-enabled', 'false', '--mqtt-log-topics', 'skills/#=skills,agents/+/replies=agent-replies'];
  return startNode(resolveConfig({ argv, env: {} }).config, pino({ level: 'silent' }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-agents-history-'));
});
afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function exchange(n: number, from: number): Promise<void> {
  const url = `mqtt://127.0.0.1:${node!.ports.mqtt}`;
  const w: Agent = await connectAgent({ url, agentId: 'hist-w', card: { name: 'w', skills: ['upper'] } });
  await w.serve('upper', (s) => String(s).toUpperCase());
  const c: Agent = await connectAgent({ url, agentId: 'hist-c', card: { name: 'c', skills: [] } });
  for (let i = from; i < from + n; i++) expect(await c.request('skill:upper', `msg ${i}`, { timeoutMs: 5000 })).toBe(`MSG ${i}`);
  await c.close();
  await w.close();
}

describe('agent channel history', () => {
  it('replays the exact requests and replies from an offset and from a time after a restart', async () => {
    node = await start();
    await exchange(5, 0);
    await new Promise((r) => setTimeout(r, 30));
    const t = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    await exchange(5, 5);
    await node.stop();

    node = await start(); // restart on the same data dir
    const httpUrl = `http://127.0.0.1:${node.ports.http}`;
    const requests = await history({ httpUrl, topic: 'skills' });
    expect(requests.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(requests.map((r) => r.payload.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `msg ${i}`));
    expect(requests[0]).toMatchObject({ topic: 'skills/upper/requests', headers: { 'agent-from': 'hist-c', 'mqtt.response-topic': 'agents/hist-c/replies' } });

    const fromOffset = await history({ httpUrl, topic: 'skills', offset: 7 });
    expect(fromOffset.map((r) => r.payload.toString())).toEqual(['msg 7', 'msg 8', 'msg 9']);
    const sinceT = await history({ httpUrl, topic: 'skills', since: t });
    expect(sinceT.map((r) => r.payload.toString())).toEqual(['msg 5', 'msg 6', 'msg 7', 'msg 8', 'msg 9']);
    const limited = await history({ httpUrl, topic: 'skills', offset: 2, limit: 2 });
    expect(limited.map((r) => r.offset)).toEqual([2, 3]);

    // Replies are in their own log topic, paired with requests by correlation data.
    const replies = await history({ httpUrl, topic: 'agent-replies', filter: 'agents/hist-c/replies' });
    expect(replies.map((r) => r.payload.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `MSG ${i}`));
    expect(replies.map((r) => r.headers['mqtt.correlation-data'])).toEqual(requests.map((r) => r.headers['mqtt.correlation-data']));

    // The SDK's agent.history() reads the same through its httpUrl.
    const a = await connectAgent({ url: `mqtt://127.0.0.1:${node.ports.mqtt}`, agentId: 'hist-late', card: { name: 'late', skills: [] }, httpUrl });
    expect((await a.history({ topic: 'skills', offset: 9 })).map((r) => r.payload.toString())).toEqual(['msg 9']);
    await a.close();
  });
});
