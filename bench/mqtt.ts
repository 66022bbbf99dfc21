/**
 * MQTT benchmarks, Strata vs Mosquitto vs Aedes in the same run on the same machine (each broker in its
 * own process, load from one client process over raw sockets, TCP_NODELAY on, 64-byte payloads):
 *   fan-in   4 publishers → 1 subscriber, QoS 0 and QoS 1, counting loss
 *   fan-out  1 publisher → 50 subscribers, QoS 0 and QoS 1, counting loss
 *   latency  QoS 1 at a fixed 5,000 msg/s: p50/p99 publish → receive
 *   idle     10,000 idle connections: broker resident memory per connection
 *
 *   npm run build && node bench/run.js mqtt [--targets=strata,mosquitto,aedes] [--scenarios=fanin,fanout,latency,idle] [--messages=50000] [--idle=10000] [--json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadClient, percentile } from './_mqtt-load.js';
import { PEERS, rssKiB, type Peer } from './_mqtt-peers.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const TARGETS = (args.get('targets') ?? 'strata,mosquitto,aedes').split(',');
const SCENARIOS = (args.get('scenarios') ?? 'fanin,fanout,latency,idle').split(',');
const MESSAGES = Number(args.get('messages') ?? 50_000);
const IDLE = Number(args.get('idle') ?? 10_000);
const RUNS = Number(args.get('runs') ?? 3);
const PAYLOAD = Buffer.alloc(64, 0x61);

type Result = Record<string, number | string>;

/** Waits until `count()` reaches `target` or stops moving for 3 s. */
async function settle(count: () => number, target: number): Promise<void> {
  let last = -1;
  let still = 0;
  while (count() < target && still < 60) {
    await new Promise((r) => setTimeout(r, 50));
    if (count() === last) still++;
    else (still = 0), (last = count());
  }
}

async function fanIn(port: number, qos: 0 | 1): Promise<Result> {
  const sub = await LoadClient.connect(port, `fi-sub-${qos}`);
  let received = 0;
  let lastAt = 0;
  sub.onPublish = () => {
    received++;
    lastAt = performance.now();
  };
  await sub.subscribe(`fi${qos}/#`, qos);
  const pubs = await Promise.all([0, 1, 2, 3].map((i) => LoadClient.connect(port, `fi-pub-${qos}-${i}`)));
  const total = MESSAGES * 4;
  const t0 = performance.now();
  await Promise.all(pubs.map((p, i) => p.publishMany(`fi${qos}/${i}`, MESSAGES, () => PAYLOAD, qos)));
  await settle(() => received, total);
  const secs = ((received === total ? lastAt : performance.now()) - t0) / 1000;
  [sub, ...pubs].forEach((c) => c.close());
  return { msgsPerSec: Math.round(received / secs), received, sent: total, lost: total - received };
}

async function fanOut(port: number, qos: 0 | 1): Promise<Result> {
  const n = 50;
  const per = Math.max(1000, Math.floor(MESSAGES / 5));
  let received = 0;
  let lastAt = 0;
  const subs = await Promise.all(Array.from({ length: n }, (_, i) => LoadClient.connect(port, `fo-sub-${qos}-${i}`)));
  for (const s of subs) {
    s.onPublish = () => {
      received++;
      lastAt = performance.now();
    };
    await s.subscribe(`fo${qos}/x`, qos);
  }
  const pub = await LoadClient.connect(port, `fo-pub-${qos}`);
  const total = per * n;
  const t0 = performance.now();
  await pub.publishMany(`fo${qos}/x`, per, () => PAYLOAD, qos);
  await settle(() => received, total);
  const secs = ((received === total ? lastAt : performance.now()) - t0) / 1000;
  [pub, ...subs].forEach((c) => c.close());
  return { msgsPerSec: Math.round(received / secs), received, sent: total, lost: total - received };
}

async function latency(port: number): Promise<Result> {
  const rate = 5000;
  const seconds = 6;
  const sub = await LoadClient.connect(port, 'lat-sub');
  const lat: number[] = [];
  sub.onPublish = (p) => lat.push(performance.now() - (p.payload as Buffer).readDoubleLE(0));
  await sub.subscribe('lat/x', 1);
  const pub = await LoadClient.connect(port, 'lat-pub');
  pub.onPuback = () => {};
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
    clients.push(...(await Promise.all(Array.from({ length: Math.min(200, IDLE - i) }, (_, j) => LoadClient.connect(peer.port, `idle-${i + j}`)))));
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
      await fanIn(peer.port, 0).catch(() => undefined);
      if (SCENARIOS.includes('fanin')) for (const q of [0, 1] as const) r[`fanin-qos${q}`] = await median(() => fanIn(peer.port, q), 'msgsPerSec');
      if (SCENARIOS.includes('fanout')) for (const q of [0, 1] as const) r[`fanout-qos${q}`] = await median(() => fanOut(peer.port, q), 'msgsPerSec');
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
