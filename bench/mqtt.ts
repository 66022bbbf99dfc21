/**
 * MQTT benchmarks, Strata vs Mosquitto vs Aedes in the same run on the same machine (each broker in its
 * own process, load from one client process over raw sockets (bench/_mqtt-load.ts), TCP_NODELAY on, 64-byte
 * payloads; broker CPU per 1,000 messages from /proc):
 *   fan-in   4 publishers → 1 subscriber, QoS 0 and QoS 1, counting loss (plus QoS 1 end to end: each
 *            publisher keeps ≤ 100 messages the subscriber has not received yet)
 *   fan-out  1 publisher → 50 subscribers, QoS 0 and QoS 1, counting loss (plus QoS 1 end to end)
 *   latency  QoS 1 at a fixed 5,000 msg/s: p50/p99 publish → receive
 *   idle     10,000 idle connections: broker resident memory per connection
 *
 *   npm run build && node bench/run.js mqtt [--targets=strata,mosquitto,aedes] [--scenarios=fanin,fanout,latency,idle] [--messages=50000] [--idle=10000]
 *     [--batch=64] [--json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadClient, percentile } from './_mqtt-load.js';
import { cpuMs, PEERS, rssKiB, type Peer } from './_mqtt-peers.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const TARGETS = (args.get('targets') ?? 'strata,mosquitto,aedes').split(',');
const SCENARIOS = (args.get('scenarios') ?? 'fanin,fanout,latency,idle').split(',');
const MESSAGES = Number(args.get('messages') ?? 50_000);
const IDLE = Number(args.get('idle') ?? 10_000);
const RUNS = Number(args.get('runs') ?? 3);
const PAYLOAD = Buffer.alloc(64, 0x61);
const payloadOf = (publisher: number): Buffer => Buffer.concat([Buffer.from([publisher]), PAYLOAD.subarray(1)]);
/** Packets per write in the load clients (1 = every packet written on its own, as a naive client does). */
const BATCH = Number(args.get('batch') ?? 64);
const connect = (port: number, id: string): Promise<LoadClient> => LoadClient.connect(port, id, true, BATCH);

type Result = Record<string, number | string>;

/** Waits until `count()` reaches `target` or stops moving for 3 s (target Infinity: until it stops moving, e.g. a broker that lost messages leaves an end-to-end window shut). */
async function settle(count: () => number, target: number): Promise<void> {
  let last = -1;
  let still = 0;
  while (count() < target && still < 60) {
    await new Promise((r) => setTimeout(r, 50));
    if (count() === last) still++;
    else (still = 0), (last = count());
  }
}

/** Waits for the last deliveries, closes the clients, and reports msg/s (to the last delivery), loss and broker CPU. */
async function throughput(peer: Peer, clients: LoadClient[], run: { total: number; t0: number; cpu0: number; received: () => number; lastAt: () => number }): Promise<Result> {
  await settle(run.received, run.total);
  const received = run.received();
  const secs = ((received === run.total ? run.lastAt() : performance.now()) - run.t0) / 1000;
  clients.forEach((c) => c.close());
  const brokerCpuMsPer1k = +(((cpuMs(peer.pid) - run.cpu0) / received) * 1000).toFixed(2);
  return { msgsPerSec: Math.round(received / secs), received, sent: run.total, lost: run.total - received, brokerCpuMsPer1k };
}

/**
 * `e2e`: each QoS 1 publisher keeps at most 100 messages that the subscriber has not received yet (instead of
 * 100 that the broker has not acknowledged): the rate a broker sustains without building a queue.
 */
async function fanIn(peer: Peer, qos: 0 | 1, e2e = false): Promise<Result> {
  const port = peer.port;
  const sub = await connect(port, `fi-sub-${qos}`);
  let received = 0;
  let lastAt = 0;
  const perPublisher = [0, 0, 0, 0];
  const pubs = await Promise.all([0, 1, 2, 3].map((i) => connect(port, `fi-pub-${qos}-${i}`)));
  sub.onPublish = (p) => {
    received++;
    lastAt = performance.now();
    if (e2e) {
      const i = p.payload[0]!; // the publisher's number, first payload byte
      perPublisher[i]!++;
      pubs[i]!.pump();
    }
  };
  await sub.subscribe(`fi${qos}/#`, qos);
  const total = MESSAGES * 4;
  const cpu0 = cpuMs(peer.pid);
  const t0 = performance.now();
  await Promise.race([Promise.all(pubs.map((p, i) => p.publishMany(`fi${qos}/${i}`, MESSAGES, payloadOf(i), qos, 100, e2e ? () => perPublisher[i]! : undefined))), settle(() => received, Infinity)]);
  return throughput(peer, [sub, ...pubs], { total, t0, cpu0, received: () => received, lastAt: () => lastAt });
}

/** `e2e`: the QoS 1 publisher keeps at most 100 messages not yet received by every subscriber (see fanIn). */
async function fanOut(peer: Peer, qos: 0 | 1, e2e = false): Promise<Result> {
  const port = peer.port;
  const n = 50;
  const per = Math.max(1000, Math.floor(MESSAGES / 5));
  let received = 0;
  let lastAt = 0;
  const subs = await Promise.all(Array.from({ length: n }, (_, i) => connect(port, `fo-sub-${qos}-${i}`)));
  const pub = await connect(port, `fo-pub-${qos}`);
  const got = new Array<number>(n).fill(0);
  // messages every subscriber has (the minimum of the counts), kept up to date as counts move
  let everyone = 0;
  let atMin = n;
  subs.forEach((s, k) => {
    s.onPublish = () => {
      received++;
      lastAt = performance.now();
      if (e2e && got[k]++ === everyone && --atMin === 0) {
        while (atMin === 0) {
          everyone++;
          atMin = got.filter((g) => g === everyone).length;
        }
        pub.pump();
      }
    };
  });
  for (const s of subs) await s.subscribe(`fo${qos}/x`, qos);
  const total = per * n;
  const cpu0 = cpuMs(peer.pid);
  const t0 = performance.now();
  await Promise.race([pub.publishMany(`fo${qos}/x`, per, PAYLOAD, qos, 100, e2e ? () => everyone : undefined), settle(() => received, Infinity)]);
  return throughput(peer, [pub, ...subs], { total, t0, cpu0, received: () => received, lastAt: () => lastAt });
}

async function latency(port: number): Promise<Result> {
  const rate = 5000;
  const seconds = 6;
  const sub = await connect(port, 'lat-sub');
  const lat: number[] = [];
  sub.onPublish = (p) => lat.push(performance.now() - (p.payload as Buffer).readDoubleLE(0));
  await sub.subscribe('lat/x', 1);
  const pub = await connect(port, 'lat-pub');
  pub.onPubacks = () => {};
  const { default: mqtt } = await import('mqtt-packet');
  const total = rate * seconds;
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) {
        const payload = Buffer.alloc(64);
        payload.writeDoubleLE(performance.now(), 0);
        pub.socket.write(mqtt.generate({ cmd: 'publish', topic: 'lat/x', payload, qos: 1, messageId: (sent % 65535) + 1, retain: false, dup: false }));
        sent++;
      }
      if (sent < total) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  await settle(() => lat.length, total);
  [sub, pub].forEach((c) => c.close());
  const warm = lat.slice(Math.floor(lat.length * 0.1)).sort((a, b) => a - b); // drop the first 10 % (warm-up)
  return { p50ms: +percentile(warm, 50).toFixed(3), p99ms: +percentile(warm, 99).toFixed(3), received: lat.length, lost: total - lat.length };
}

async function idle(peer: Peer): Promise<Result> {
  await new Promise((r) => setTimeout(r, 500));
  const before = rssKiB(peer.pid);
  const clients: LoadClient[] = [];
  for (let i = 0; i < IDLE; i += 200) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(200, IDLE - i) }, (_, j) => connect(peer.port, `idle-${i + j}`)))));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssKiB(peer.pid);
  clients.forEach((c) => c.close());
  return { connections: clients.length, rssBeforeKiB: before, rssAfterKiB: after, kibPerConnection: +((after - before) / clients.length).toFixed(2) };
}

/** Runs a scenario RUNS times and keeps the run with the median of `key`, with every run's value listed. */
async function median(run: () => Promise<Result>, key: string): Promise<Result> {
  const rs: Result[] = [];
  for (let i = 0; i < RUNS; i++) rs.push(await run());
  rs.sort((a, b) => Number(a[key]) - Number(b[key]));
  return { ...rs[Math.floor(rs.length / 2)]!, runs: rs.map((r) => r[key]).join(' ') };
}

async function main(): Promise<void> {
  const results: Record<string, Record<string, Result>> = {};
  for (const target of TARGETS) {
    const r: Record<string, Result> = {};
    if (SCENARIOS.includes('idle')) {
      const fresh = await PEERS[target]!(); // memory on a fresh process, before any other load
      try {
        r.idle = await idle(fresh);
      } finally {
        await fresh.stop();
      }
    }
    const peer = await PEERS[target]!();
    try {
      // warm-up (JIT) on every broker alike
      await fanIn(peer, 0).catch(() => undefined);
      if (SCENARIOS.includes('fanin')) {
        for (const q of [0, 1] as const) r[`fanin-qos${q}`] = await median(() => fanIn(peer, q), 'msgsPerSec');
        r['fanin-qos1-e2e'] = await median(() => fanIn(peer, 1, true), 'msgsPerSec');
      }
      if (SCENARIOS.includes('fanout')) {
        for (const q of [0, 1] as const) r[`fanout-qos${q}`] = await median(() => fanOut(peer, q), 'msgsPerSec');
        r['fanout-qos1-e2e'] = await median(() => fanOut(peer, 1, true), 'msgsPerSec');
      }
      if (SCENARIOS.includes('latency')) r.latency = await median(() => latency(peer.port), 'p99ms');
    } finally {
      await peer.stop();
    }
    results[target] = r;
    console.error(`${target}: ${JSON.stringify(r)}`);
  }
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.log(`machine: ${JSON.stringify(machine)}`);
  const rows = new Set(Object.values(results).flatMap((r) => Object.keys(r)));
  for (const row of rows) {
    console.log(`\n${row}`);
    for (const t of TARGETS) console.log(`  ${t.padEnd(10)} ${JSON.stringify(results[t]?.[row] ?? {})}`);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `mqtt-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, messages: MESSAGES, results }, null, 2));
}

await main();
