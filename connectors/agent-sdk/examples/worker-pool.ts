/**
 * Example: a worker pool answering requests (docs/agents.md).
 *
 *   npm start &                                   # a Strata node: MQTT on 1883, HTTP on 8080
 *   npm run build && node dist/connectors/agent-sdk/examples/worker-pool.js [mqtt://127.0.0.1:1883] [workers=4] [requests=1000]
 *
 * Starts `workers` agents serving the skill `upper` in one shared-subscription pool, sends `requests`
 * concurrent requests through the pool, checks every reply, prints requests/s and the per-worker split.
 */
import { connectAgent } from '../index.js';

const url = process.argv[2] ?? 'mqtt://127.0.0.1:1883';
const nWorkers = Number(process.argv[3] ?? 4);
const nRequests = Number(process.argv[4] ?? 1000);

const served = new Map<string, number>();
const workers = await Promise.all(
  Array.from({ length: nWorkers }, async (_, i) => {
    const w = await connectAgent({ url, agentId: `upper-${i}`, card: { name: `Upper-caser ${i}`, skills: ['upper'], input: ['text/plain'], output: ['text/plain'] } });
    await w.serve('upper', (text) => {
      served.set(w.agentId, (served.get(w.agentId) ?? 0) + 1);
      return String(text).toUpperCase();
    });
    return w;
  }),
);
const client = await connectAgent({ url, agentId: 'upper-client', card: { name: 'Example client', skills: [] } });
console.log('agents:', (await client.discover()).map((a) => `${a.id} (${a.status})`).join(', '));

const t0 = performance.now();
const replies = await Promise.all(Array.from({ length: nRequests }, (_, i) => client.request('skill:upper', `request ${i}`, { timeoutMs: 10_000 })));
const ms = performance.now() - t0;
const wrong = replies.filter((r, i) => r !== `REQUEST ${i}`).length;
console.log(`${nRequests} requests in ${ms.toFixed(0)} ms (${Math.round((nRequests / ms) * 1000)} req/s), ${wrong} wrong replies`);
console.log('per worker:', Object.fromEntries(served));

// Round trip one at a time (no queueing): p50 / p99.
const rtt: number[] = [];
for (let i = 0; i < nRequests; i++) {
  const t = performance.now();
  await client.request('skill:upper', 'x', { timeoutMs: 10_000 });
  rtt.push(performance.now() - t);
}
rtt.sort((a, b) => a - b);
const pct = (q: number): string => rtt[Math.min(rtt.length - 1, Math.floor(q * rtt.length))]!.toFixed(2);
console.log(`sequential round trip: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);

await client.close();
await Promise.all(workers.map((w) => w.close()));
process.exitCode = wrong === 0 ? 0 : 1;
