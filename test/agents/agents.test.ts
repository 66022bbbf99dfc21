/**
 * Agent channels over the in-process MQTT broker: discovery, presence (will), request/response through a
 * worker pool under load, streaming, timeouts when an agent dies mid-request, and a plain MQTT 5 client
 * taking part without the SDK.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentRequestError, AgentTimeoutError, connectAgent, props, topics, type Agent } from '../../connectors/agent-sdk/index.js';
import { closeAll, collect, connect, sleep, startBroker, type TestBroker } from '../mqtt/helpers.js';

let tb: TestBroker;
const agents: Agent[] = [];

async function agent(agentId: string, skills: string[] = [], extra: Partial<Parameters<typeof connectAgent>[0]> = {}): Promise<Agent> {
  const a = await connectAgent({ url: tb.url, agentId, card: { name: `Agent ${agentId}`, skills }, mqtt: { reconnectPeriod: 0 }, ...extra });
  agents.push(a);
  return a;
}

/** Drops the TCP connection without DISCONNECT, as a crash would. */
function kill(a: Agent): void {
  a.client.stream.destroy();
}

beforeAll(async () => {
  tb = await startBroker();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close().catch(() => {})));
  await closeAll();
});
afterAll(async () => {
  await tb.close();
});

describe('discovery and presence', () => {
  it('discover() returns the retained cards of every agent with its status', async () => {
    await agent('disc-a', ['translate'], { card: { name: 'Translator', skills: ['translate'], input: ['text/plain'], output: ['text/plain'] } });
    await agent('disc-b', ['summarize']);
    const seer = await agent('disc-seer');
    const found = await seer.discover();
    const a = found.find((c) => c.id === 'disc-a');
    expect(a).toMatchObject({ id: 'disc-a', name: 'Translator', skills: ['translate'], input: ['text/plain'], output: ['text/plain'], status: 'online' });
    expect(found.find((c) => c.id === 'disc-b')).toMatchObject({ skills: ['summarize'], input: ['application/json'], status: 'online' });
    expect(found.find((c) => c.id === 'disc-seer')).toMatchObject({ status: 'online' });
  });

  it('a killed agent is marked offline by its will; close() marks offline too', async () => {
    const watcher = await connect(tb, { protocolVersion: 5 });
    const got = collect(watcher);
    const victim = await agent('pres-victim');
    const polite = await agent('pres-polite');
    await watcher.subscribeAsync([topics.status('pres-victim'), topics.status('pres-polite')], { qos: 1 });
    await got.wait(2);
    expect(Object.fromEntries(got.messages.map((m) => [m.topic, m.payload.toString()]))).toEqual({
      [topics.status('pres-victim')]: 'online',
      [topics.status('pres-polite')]: 'online',
    });
    kill(victim);
    await polite.close();
    await got.wait(4);
    const later = got.messages.slice(2).map((m) => [m.topic, m.payload.toString()]);
    expect(later).toContainEqual([topics.status('pres-victim'), 'offline']);
    expect(later).toContainEqual([topics.status('pres-polite'), 'offline']);
    // The offline status is retained: a newcomer's discover() sees it.
    const seer = await agent('pres-seer');
    const found = await seer.discover();
    expect(found.find((c) => c.id === 'pres-victim')?.status).toBe('offline');
    expect(found.find((c) => c.id === 'pres-polite')?.status).toBe('offline');
  });
});

describe('request / response', () => {
  it('1,000 concurrent requests to a pool of 4 agents: every request gets exactly its own reply', async () => {
    const served = new Map<string, number>();
    for (let i = 0; i < 4; i++) {
      const w = await agent(`pool-w${i}`, ['echo']);
      await w.serve('echo', async (input, ctx) => {
        served.set(w.agentId, (served.get(w.agentId) ?? 0) + 1);
        await sleep(Math.random() * 5);
        return { n: (input as { n: number }).n, by: w.agentId, skill: ctx.skill, from: ctx.from };
      });
    }
    const client = await agent('pool-client');
    // Count raw reply messages too: exactly one per request, nothing extra.
    let raw = 0;
    client.client.on('message', (t) => void (t === topics.replies('pool-client') && raw++));
    const t0 = performance.now();
    const replies = (await Promise.all(Array.from({ length: 1000 }, (_, n) => client.request('skill:echo', { n }, { timeoutMs: 20_000 })))) as Array<{ n: number; by: string; skill: string; from: string }>;
    const ms = performance.now() - t0;
    replies.forEach((r, n) => expect(r).toMatchObject({ n, skill: 'echo', from: 'pool-client' }));
    expect(raw).toBe(1000);
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect(served.size).toBe(4); // the share group spread the work
    console.info(`agents: 1000 requests through a 4-agent pool in ${ms.toFixed(0)} ms (${((1000 / ms) * 1000).toFixed(0)} req/s)`);
  });

  it('sequential round trips are not held back by Nagle (median well under the 40 ms delayed-ACK stall)', async () => {
    const w = await agent('rtt-w', ['ping']);
    await w.serve('ping', () => 'pong');
    const c = await agent('rtt-client');
    const rtt: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      expect(await c.request('skill:ping', i)).toBe('pong');
      rtt.push(performance.now() - t);
    }
    rtt.sort((a, b) => a - b);
    expect(rtt[30]).toBeLessThan(15);
  });

  it('a request addressed to one agent id reaches that agent; a throwing handler answers an error', async () => {
    const a = await agent('direct-a', ['add', 'fail']);
    await a.serve('add', (input) => (input as number[]).reduce((x, y) => x + y, 0));
    await a.serve('fail', () => {
      throw new Error('no such thing');
    });
    const c = await agent('direct-client');
    expect(await c.request('direct-a', [1, 2, 3], { skill: 'add' })).toBe(6);
    await expect(c.request('direct-a', null, { skill: 'fail' })).rejects.toThrow(AgentRequestError);
    await expect(c.request('direct-a', null, { skill: 'missing' })).rejects.toThrow(/does not serve skill missing/);
  });

  it('an agent killed mid-request: the request rejects with a timeout, nothing hangs', async () => {
    const w = await agent('dying-w', ['slow']);
    let started!: () => void;
    const picked = new Promise<void>((r) => (started = r));
    await w.serve('slow', async () => {
      started();
      await sleep(60_000); // never answers in time
      return 'too late';
    });
    const c = await agent('dying-client');
    const t0 = Date.now();
    const pending = c.request('skill:slow', 'x', { timeoutMs: 800 });
    await picked;
    kill(w);
    await expect(pending).rejects.toThrow(AgentTimeoutError);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(3000);
    // With no pool member at all the request also times out (nobody took it).
    await expect(c.request('skill:slow', 'y', { timeoutMs: 300 })).rejects.toThrow(/no reply from skill:slow within 300 ms/);
  });
});

describe('retries', () => {
  it('with retries, a request whose pool member dies is answered by another member', async () => {
    let picked!: () => void;
    const first = new Promise<void>((r) => (picked = r));
    const doomed = await agent('retry-doomed', ['job']);
    await doomed.serve('job', async () => {
      picked();
      await sleep(60_000);
      return 'never';
    });
    const c = await agent('retry-client');
    const pending = c.request('skill:job', 'work', { timeoutMs: 600, retries: 2 });
    await first; // the doomed member took the first attempt
    kill(doomed);
    const survivor = await agent('retry-survivor', ['job']);
    await survivor.serve('job', (x) => `done ${String(x)} by survivor`);
    expect(await pending).toBe('done work by survivor');
  });
});

describe('persistent sessions', () => {
  it('an offline agent with a persistent session gets its mailbox (direct and pool requests) when it comes back', async () => {
    const opts = { url: tb.url, agentId: 'mailbox-a', card: { name: 'Mailbox', skills: ['echo'] }, sessionExpirySec: 60, mqtt: { reconnectPeriod: 0 } };
    const first = await connectAgent(opts);
    await first.serve('echo', (x) => `first: ${String(x)}`);
    await first.close();
    const c = await agent('mailbox-client');
    const direct = c.request('mailbox-a', 'to the inbox', { timeoutMs: 5000 });
    const pooled = c.request('skill:echo', 'to the pool', { timeoutMs: 5000 });
    await sleep(200);
    const again = await agent('mailbox-a', ['echo'], { sessionExpirySec: 60 });
    await sleep(50); // the mailbox arrived and waits for serve()
    await again.serve('echo', (x) => `again: ${String(x)}`);
    expect(await direct).toBe('again: to the inbox');
    expect(await pooled).toBe('again: to the pool');
  });
});

describe('streaming', () => {
  it('chunks arrive in order, with sequence numbers and an end marker', async () => {
    const w = await agent('stream-w', ['tokens']);
    await w.serve('tokens', async function* (input) {
      for (const word of String(input).split(' ')) {
        await sleep(1);
        yield word;
      }
    });
    const c = await agent('stream-client');
    const got: unknown[] = [];
    for await (const chunk of c.stream('skill:tokens', 'the quick brown fox jumps over the lazy dog')) got.push(chunk);
    expect(got).toEqual('the quick brown fox jumps over the lazy dog'.split(' '));
    // request() on a streaming skill collects the chunks.
    expect(await c.request('skill:tokens', 'a b c')).toEqual(['a', 'b', 'c']);
    // stream() on a plain reply yields the one value.
    await w.serve('one', () => ({ ok: true }));
    const single: unknown[] = [];
    for await (const v of c.stream('stream-w', null, { skill: 'one' })) single.push(v);
    expect(single).toEqual([{ ok: true }]);
  });

  it('a plain MQTT 5 client takes part without the SDK (wire conventions)', async () => {
    const w = await agent('wire-w', ['tokens']);
    await w.serve('tokens', function* () {
      yield 'x';
      yield 'y';
    });
    const raw = await connect(tb, { protocolVersion: 5, clientId: 'wire-raw' });
    const got = collect(raw);
    await raw.subscribeAsync('my/replies', { qos: 1 });
    await raw.publishAsync('skills/tokens/requests', 'go', {
      qos: 1,
      properties: { responseTopic: 'my/replies', correlationData: Buffer.from('req-1'), contentType: 'text/plain' },
    });
    const msgs = await got.wait(3);
    expect(msgs.map((m) => [m.payload.toString(), m.packet.properties?.userProperties?.[props.kind], m.packet.properties?.userProperties?.[props.seq]])).toEqual([
      ['x', 'chunk', '0'],
      ['y', 'chunk', '1'],
      ['', 'end', '2'],
    ]);
    for (const m of msgs) expect(Buffer.from(m.packet.properties!.correlationData!).toString()).toBe('req-1');
    await raw.endAsync();
  });

  it('a stream whose agent dies mid-stream fails with a timeout after the last chunk', async () => {
    const w = await agent('stream-dying', ['forever']);
    await w.serve('forever', async function* () {
      yield 1;
      kill(w);
      await sleep(60_000);
    });
    const c = await agent('stream-dying-client');
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const v of c.stream('skill:forever', null, { timeoutMs: 500 })) got.push(v);
      })(),
    ).rejects.toThrow(AgentTimeoutError);
    expect(got).toEqual([1]);
  });
});
