/**
 * The 4 echo agents of bench/agents.ts in a process of their own (agents and requesters are separate programs
 * in real deployments; in one process the agents' work showed up as the requester's send lag and latency).
 * Started with fork(): argv url, tag, count; sends {ready} once every agent serves, answers {handled} with the
 * number of handler invocations so far, and closes its agents on {close}.
 */
import { connectAgent, type Agent } from '../connectors/agent-sdk/index.js';

const [url, tag, count] = process.argv.slice(2) as [string, string, string];
let handled = 0;
const workers: Agent[] = [];
for (let i = 0; i < Number(count); i++) {
  const id = `${tag}-echo-${i}`;
  const a = await connectAgent({ url, agentId: id, card: { name: `echo ${i}`, skills: ['echo'] }, mqtt: { reconnectPeriod: 0 } });
  await a.serve('echo', (input) => {
    handled++;
    return { ...(input as object), by: id };
  });
  workers.push(a);
}
process.on('message', (m: { type: string }) => {
  if (m.type === 'handled') process.send!({ type: 'handled', handled, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
  if (m.type === 'close') void Promise.all(workers.map((a) => a.close().catch(() => {}))).then(() => process.exit(0));
});
process.send!({ type: 'ready' });
