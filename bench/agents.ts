/**
 * Agent channels benchmark (issue #8): request/response through a 4-agent worker pool, Strata vs Mosquitto,
 * the same agent SDK code (connectors/agent-sdk, mqtt.js, MQTT 5) against both. Per broker:
 *   - 4 agents serve the skill `echo` (shared subscription `$share/echo/skills/echo/requests`) in a process of
 *     their own (bench/_agents-pool.ts); 1 requester in this process;
 *   - warm-up: a closed loop of --warmup requests (not counted);
 *   - closed loop: --concurrency outstanding requests until --requests are answered → requests/s;
 *   - open loop: --rate requests/s for --seconds → round trip p50/p99 from each request's send, and from its
 *     *scheduled* send time (no coordinated omission; this adds the harness's own send lag, a Node timer of
 *     1 ms resolution: 1.2–1.8 ms at p99 for either broker); the send lag is reported too.
 * Every request carries a sequence number; the harness checks that each was answered exactly once (replies
 * seen on the requester's replies topic, handler invocations) and counts which agent answered it.
 *
 *   npm run build && node bench/run.js agents [--targets=strata,mosquitto,strata-history] [--requests=20000]
 *     [--concurrency=64] [--rate=1000] [--seconds=10] [--warmup=3000] [--runs=2] [--json]
 *
 * `strata-base` runs an older build (a copy of dist/ in STRATA_BENCH_BASE_DIST, default .cache/dist-base) for
 * before/after comparisons in one interleaved run. `strata-history` is Strata with the recommended history mapping of docs/agents.md (every request and
 * reply copied to a durable log topic before its PUBACK). STRATA_BENCH_CPU_PROF=<dir> starts the Strata
 * process with `node --cpu-prof --cpu-prof-dir=<dir>` (profiling); STRATA_BENCH_NODE_ARGS adds node flags to it
 * (e.g. `--trace-gc`).
 */
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAgent, type Agent } from '../connectors/agent-sdk/index.js';
import { percentile } from './_mqtt-load.js';
import { cpuMs, freePort, startMosquitto, syscalls, type Peer } from './_mqtt-peers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const TARGETS = (args.get('targets') ?? 'strata,mosquitto').split(',');
const REQUESTS = Number(args.get('requests') ?? 20_000);
const CONCURRENCY = Number(args.get('concurrency') ?? 64);
const RATE = Number(args.get('rate') ?? 1000);
const SECONDS = Number(args.get('seconds') ?? 10);
const WARMUP = Number(args.get('warmup') ?? 3000);
const RUNS = Number(args.get('runs') ?? 2);
const JSON_OUT = args.has('json');
const AGENTS = 4;
const HISTORY = 'skills/#=skills,agents/+/requests=agent-requests,agents/+/replies=agent-replies';
const DATA = 'x'.repeat(48); // ~80-byte JSON request

async function waitPort(port: number, exited: () => boolean): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 400; i++) {
    if (exited()) throw new Error('broker exited');
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** The real `strata start` process on its embedded fs store (a fresh data dir); `dist` = another build (A/B). */
async function startStrata(extra: string[], name: string, dist?: string, moreNodeArgs: string[] = []): Promise<Peer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-agents-'));
  const prof = process.env.STRATA_BENCH_CPU_PROF;
  const nodeArgs = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...(process.env.STRATA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), ...moreNodeArgs];
  const entry = dist ? ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(dist, 'src', 'server', 'cli.js'))}); process.exitCode = await main(process.argv.slice(1));`] : [join(ROOT, 'bin', 'strata.js')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, 'start', '--mqtt-port', String(port), '--http-port', '0', '--kafka-port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--mqtt-sys-interval', '0', ...extra], { stdio: ['ignore', process.env.STRATA_BENCH_NODE_ARGS ? 'inherit' : 'ignore', 'inherit'] });
  await waitPort(port, () => child.exitCode !== null);
  return {
    name,
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(t);
    },
  };
}

const STARTERS: Record<string, () => Promise<Peer>> = {
  strata: () => startStrata([], 'strata'),
  'strata-history': () => startStrata(['--mqtt-log-topics', HISTORY], 'strata-history'),
  /** `strata/<node flag>/<node flag>…` (A/B of node flags in one run; ':' for '='), e.g. strata/--max-semi-space-size:16 */
  /** `strata+<option>:<value>+…` (A/B of Strata options), e.g. strata+--gc-parallel-scavenge:on */
  mosquitto: startMosquitto,
  /** A/B: an older build copied to STRATA_BENCH_BASE_DIST (default .cache/dist-base), same flags as `strata`. */
  'strata-base': () => startStrata([], 'strata-base', process.env.STRATA_BENCH_BASE_DIST ?? join(ROOT, '.cache', 'dist-base')),
  'strata-base-history': () => startStrata(['--mqtt-log-topics', HISTORY], 'strata-base-history', process.env.STRATA_BENCH_BASE_DIST ?? join(ROOT, '.cache', 'dist-base')),
};


interface Pool {
  requester: Agent;
  /** Handler invocations so far, all agents (they run in their own process: bench/_agents-pool.ts). */
  handled(): Promise<number>;
  /** Raw reply messages seen on the requester's replies topic. */
  rawReplies: { n: number };
  close(): Promise<void>;
}

/** CPU of the agents process (ms), as of its last `handled` answer. */
let lastAgentsCpuMs = 0;
const requesterCpuMs = (): number => (process.cpuUsage().user + process.cpuUsage().system) / 1000;

async function startPool(port: number, tag: string): Promise<Pool> {
  const url = `mqtt://127.0.0.1:${port}`;
  // the agents run in a process of their own, the requester here (as separate programs would)
  const agents = fork(join(ROOT, 'bench', '_agents-pool.ts'), [url, tag, String(AGENTS)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((r) => agents.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    agents.once('message', () => resolve());
    agents.once('exit', (code) => reject(new Error(`agents process exited (${code})`)));
  });
  const handled = (): Promise<number> =>
    new Promise((resolve) => {
      agents.once('message', (m: { handled: number; cpuMs: number }) => {
        lastAgentsCpuMs = m.cpuMs;
        resolve(m.handled);
      });
      agents.send({ type: 'handled' });
    });
  const requester = await connectAgent({ url, agentId: `${tag}-requester`, card: { name: 'requester', skills: [] }, mqtt: { reconnectPeriod: 0 } });
  const rawReplies = { n: 0 };
  const repliesTopic = `agents/${tag}-requester/replies`;
  requester.client.on('message', (topic) => {
    if (topic === repliesTopic) rawReplies.n++;
  });
  return {
    requester,
    handled,
    rawReplies,
    close: async () => {
      await requester.close().catch(() => {});
      agents.send({ type: 'close' });
      await exited;
    },
  };
}

interface Tally {
  sent: number;
  answered: number;
  /** Requests answered more than once / with a wrong sequence number / that failed. */
  duplicates: number;
  wrong: number;
  failed: number;
  byAgent: Record<string, number>;
  rawReplies: number;
  handled: number;
}

/** Tracks answers per sequence number. */
class Checker {
  private readonly seen: Uint8Array;
  readonly tally: Tally = { sent: 0, answered: 0, duplicates: 0, wrong: 0, failed: 0, byAgent: {}, rawReplies: 0, handled: 0 };
  constructor(n: number) {
    this.seen = new Uint8Array(n);
  }
  answer(i: number, reply: unknown): void {
    const r = reply as { i?: number; by?: string; d?: string };
    if (r?.i !== i || r.d !== DATA || typeof r.by !== 'string') return void this.tally.wrong++;
    if (this.seen[i]) return void this.tally.duplicates++;
    this.seen[i] = 1;
    this.tally.answered++;
    this.tally.byAgent[r.by] = (this.tally.byAgent[r.by] ?? 0) + 1;
  }
  async finish(pool: Pool, raw0: number, handled0: number): Promise<Tally> {
    this.tally.rawReplies = pool.rawReplies.n - raw0;
    this.tally.handled = (await pool.handled()) - handled0;
    return this.tally;
  }
}

/** C outstanding requests until `total` are answered. */
async function closedLoop(pool: Pool, pid: number, total: number, concurrency: number): Promise<Record<string, unknown>> {
  const check = new Checker(total);
  const raw0 = pool.rawReplies.n;
  const h0 = await pool.handled();
  const lat: number[] = [];
  let next = 0;
  const cpu0 = cpuMs(pid);
  const sys0 = syscalls(pid);
  const agents0 = lastAgentsCpuMs;
  const req0 = requesterCpuMs();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      check.tally.sent++;
      const s = performance.now();
      try {
        check.answer(i, await pool.requester.request('skill:echo', { i, d: DATA }, { timeoutMs: 30_000 }));
        lat.push(performance.now() - s);
      } catch {
        check.tally.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuMs(pid) - cpu0;
  const sys1 = syscalls(pid);
  await new Promise((r) => setTimeout(r, 200)); // late duplicates would show in rawReplies
  lat.sort((a, b) => a - b);
  const tally = await check.finish(pool, raw0, h0);
  const clientCpu = { agentsCpuMsPer1k: +(((lastAgentsCpuMs - agents0) / tally.answered) * 1000).toFixed(1), requesterCpuMsPer1k: +(((requesterCpuMs() - req0) / tally.answered) * 1000).toFixed(1) };
  // the broker's socket reads and writes per request (each request is 4 packets in and 4 out)
  const brokerSyscallsPerRequest = { reads: +((sys1.reads - sys0.reads) / tally.answered).toFixed(2), writes: +((sys1.writes - sys0.writes) / tally.answered).toFixed(2) };
  return { requestsPerSec: Math.round(tally.answered / secs), p50ms: +percentile(lat, 50).toFixed(2), p99ms: +percentile(lat, 99).toFixed(2), brokerCpuMsPer1k: +((cpu / tally.answered) * 1000).toFixed(1), brokerSyscallsPerRequest, ...clientCpu, ...tally };
}

/** `rate` requests/s for `seconds`, latency from the scheduled send time. */
async function openLoop(pool: Pool, pid: number, rate: number, seconds: number): Promise<Record<string, unknown>> {
  const total = Math.round(rate * seconds);
  const check = new Checker(total);
  const raw0 = pool.rawReplies.n;
  const h0 = await pool.handled();
  const fromSchedule: number[] = [];
  const fromSend: number[] = [];
  const lag: number[] = [];
  const pending: Promise<void>[] = [];
  const cpu0 = cpuMs(pid);
  const t0 = performance.now() + 5;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + (sent * 1000) / rate <= now) {
        const i = sent++;
        const due = t0 + (i * 1000) / rate;
        const s = performance.now();
        lag.push(s - due);
        check.tally.sent++;
        pending.push(
          pool.requester.request('skill:echo', { i, d: DATA }, { timeoutMs: 30_000 }).then(
            (r) => {
              const end = performance.now();
              fromSchedule.push(end - due);
              fromSend.push(end - s);
              check.answer(i, r);
            },
            () => void check.tally.failed++,
          ),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + (sent * 1000) / rate - performance.now() - 0.5));
      else resolve();
    };
    setTimeout(tick, 5);
  });
  await Promise.all(pending);
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuMs(pid) - cpu0;
  await new Promise((r) => setTimeout(r, 200));
  for (const a of [fromSchedule, fromSend, lag]) a.sort((x, y) => x - y);
  const tally = await check.finish(pool, raw0, h0);
  return {
    rate,
    achievedPerSec: Math.round(tally.answered / secs),
    p50ms: +percentile(fromSchedule, 50).toFixed(2),
    p99ms: +percentile(fromSchedule, 99).toFixed(2),
    maxMs: +(fromSchedule.at(-1) ?? NaN).toFixed(2),
    sendP50ms: +percentile(fromSend, 50).toFixed(2),
    sendP99ms: +percentile(fromSend, 99).toFixed(2),
    lagP99ms: +percentile(lag, 99).toFixed(2),
    brokerCpuMsPer1k: +((cpu / Math.max(1, tally.answered)) * 1000).toFixed(1),
    ...tally,
  };
}

function ok(t: Record<string, unknown>): boolean {
  const byAgent = t.byAgent as Record<string, number>;
  return t.answered === t.sent && t.duplicates === 0 && t.wrong === 0 && t.failed === 0 && t.rawReplies === t.sent && t.handled === t.sent && Object.keys(byAgent).length === AGENTS;
}

/** Starts every broker and pool, then interleaves the runs (A B A B …) so drifting machine load hits all alike. */
async function benchAll(targets: string[]): Promise<Record<string, { closed: Record<string, unknown>[]; open: Record<string, unknown>[] }>> {
  const setups: Array<{ target: string; peer: Peer; pool: Pool }> = [];
  const results: Record<string, { closed: Record<string, unknown>[]; open: Record<string, unknown>[] }> = {};
  try {
    for (const target of targets) {
      const flags = target.startsWith('strata/') ? target.split('/').slice(1).map((f) => f.replace(':', '=')) : undefined;
      const options = target.startsWith('strata+') ? target.split('+').slice(1).flatMap((o) => o.split(':')) : undefined;
      const peer = flags ? await startStrata([], target, undefined, flags) : options ? await startStrata(options, target) : await STARTERS[target]!();
      setups.push({ target, peer, pool: undefined as unknown as Pool });
      setups.at(-1)!.pool = await startPool(peer.port, target.replace(/[^a-z]/g, ''));
      results[target] = { closed: [], open: [] };
    }
    // warm-up (JIT, connections, buffers) on every broker alike
    for (const { peer, pool } of setups) await closedLoop(pool, peer.pid, WARMUP, 16);
    for (let r = 0; r < RUNS; r++) {
      for (const { target, peer, pool } of setups) {
        results[target]!.closed.push(await closedLoop(pool, peer.pid, REQUESTS, CONCURRENCY));
        console.error(`${target} closed #${r + 1}: ${JSON.stringify(results[target]!.closed.at(-1))}`);
      }
      for (const { target, peer, pool } of setups) {
        results[target]!.open.push(await openLoop(pool, peer.pid, RATE, SECONDS));
        console.error(`${target} open #${r + 1}: ${JSON.stringify(results[target]!.open.at(-1))}`);
      }
    }
    return results;
  } finally {
    for (const { peer, pool } of setups) {
      await pool?.close();
      await peer.stop();
    }
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : +((s[m - 1]! + s[m]!) / 2).toFixed(2);
};

async function main(): Promise<void> {
  const results = await benchAll(TARGETS);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map((l) => +l.toFixed(1)) };
  console.log(`machine: ${JSON.stringify(machine)}`);
  console.log(`command: node bench/run.js agents ${process.argv.slice(2).join(' ')} (requests=${REQUESTS} concurrency=${CONCURRENCY} rate=${RATE}/s seconds=${SECONDS} warmup=${WARMUP} runs=${RUNS})`);
  console.log('\n| broker | closed-loop req/s (runs) | closed p50/p99 ms | open loop, round trip from send: p50 / p99 ms @ rate (runs) | open loop, from scheduled time: p50 / p99 / max ms (runs) | send-lag p99 ms | broker CPU ms/1k req | exactly once | answered by agent |');
  console.log('| --- | --- | --- | --- | --- | ---: | ---: | --- | --- |');
  const summary: Record<string, { rps: number; p99: number; p99Send: number }> = {};
  for (const t of TARGETS) {
    const r = results[t]!;
    const rps = r.closed.map((c) => c.requestsPerSec as number);
    const p99 = r.open.map((o) => o.p99ms as number);
    const p99Send = r.open.map((o) => o.sendP99ms as number);
    summary[t] = { rps: median(rps), p99: median(p99), p99Send: median(p99Send) };
    const once = [...r.closed, ...r.open].every(ok) ? 'yes' : 'NO';
    const by = Object.entries((r.closed[0]!.byAgent ?? {}) as Record<string, number>).map(([, n]) => n).join('/');
    const lastOpen = r.open.at(-1)!;
    console.log(
      `| ${t} | ${median(rps)} (${rps.join(', ')}) | ${r.closed.map((c) => `${c.p50ms}/${c.p99ms}`).join(', ')} | ${r.open.map((o) => `${o.sendP50ms} / ${o.sendP99ms}`).join(', ')} @ ${RATE} | ${r.open.map((o) => `${o.p50ms} / ${o.p99ms} / ${o.maxMs}`).join(', ')} | ${lastOpen.lagP99ms} | ${r.closed.at(-1)!.brokerCpuMsPer1k} / ${lastOpen.brokerCpuMsPer1k} | ${once} | ${by} |`,
    );
  }
  const s = summary.strata;
  const m = summary.mosquitto;
  if (s && m) {
    console.log(`\nStrata / Mosquitto: requests/s ${(s.rps / m.rps).toFixed(2)}× (goal ≥ 1.0); open loop at ${RATE}/s, round-trip p99 from send ${s.p99Send} ms vs ${m.p99Send} ms (goal ≤ 2 ms), from the scheduled time ${s.p99} ms vs ${m.p99} ms`);
    console.log(`goals: throughput ${s.rps >= m.rps ? 'MET' : 'MISSED'}, round-trip p99 ${s.p99Send <= 2 ? 'MET' : 'MISSED'} (from the scheduled time, which adds the harness's timer lag: ${s.p99 <= 2 ? 'MET' : 'MISSED'})`);
  }
  if (JSON_OUT) {
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const file = join(out, `agents-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine, args: Object.fromEntries(args), results }, null, 2));
    console.log(`raw results: ${file}`);
  }
}

await main();
