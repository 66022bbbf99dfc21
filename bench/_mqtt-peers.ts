/**
 * Brokers for the MQTT benchmarks, each in its own process: Strata (the real node, `strata start`),
 * Mosquitto (apt: mosquitto) and Aedes (npm, bench/package.json). All on 127.0.0.1, TCP_NODELAY on
 * (Strata and Aedes set it per socket; Mosquitto sets it with `set_tcp_nodelay true`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Peer {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((r) => child.once('exit', r));
    clearTimeout(t);
  };
}

export async function startStrataPeer(): Promise<Peer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  // STRATA_BENCH_NODE_ARGS: extra node flags for the broker (e.g. --trace-gc, --cpu-prof --cpu-prof-dir=/tmp/prof)
  const nodeArgs = (process.env.STRATA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'strata.js'), 'start', '--mqtt-port', String(port), '--http-port', '0', '--kafka-port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--mqtt-sys-interval', '0'], { stdio: ['ignore', nodeArgs.length ? 'inherit' : 'ignore', 'inherit'] });
  await waitPort(port, child, 'strata');
  return { name: 'strata', port, pid: child.pid!, stop: stopper(child) };
}

export async function startMosquitto(): Promise<Peer> {
  const port = await freePort();
  const conf = join(mkdtempSync(join(tmpdir(), 'mosq-')), 'mosquitto.conf');
  // no in-flight maximum (Mosquitto's default is 20): Debian's 2.0.11 stalls QoS 1 deliveries under load with a
  // finite one (queued messages never sent; inflight-quota fixes came in 2.0.13); MOSQ_INFLIGHT overrides it
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_queued_messages 100000\nmax_inflight_messages ${process.env.MOSQ_INFLIGHT ?? 0}\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitPort(port, child, 'mosquitto');
  return { name: 'mosquitto', port, pid: child.pid!, stop: stopper(child) };
}

export async function startAedes(): Promise<Peer> {
  const port = await freePort();
  const script = `
    const { Aedes } = await import('aedes');
    const net = await import('node:net');
    const broker = await Aedes.createBroker();
    net.createServer((s) => { s.setNoDelay(true); broker.handle(s); }).listen(${port}, '127.0.0.1');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'], cwd: join(ROOT, 'bench') });
  await waitPort(port, child, 'aedes');
  return { name: 'aedes', port, pid: child.pid!, stop: stopper(child) };
}

/** A broker started by hand (profiling): MQTT_BENCH_PORT and MQTT_BENCH_PID. */
async function external(): Promise<Peer> {
  return { name: 'external', port: Number(process.env.MQTT_BENCH_PORT), pid: Number(process.env.MQTT_BENCH_PID ?? process.pid), stop: async () => {} };
}

export const PEERS: Record<string, () => Promise<Peer>> = { strata: startStrataPeer, mosquitto: startMosquitto, aedes: startAedes, external };

/** Resident memory of a process in KiB (Linux). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU time (user + system, all threads) of a process in ms (Linux, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Read and write system calls a process made so far (Linux /proc/<pid>/io: syscr, syscw). */
export function syscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { reads: Number(/syscr: (\d+)/.exec(io)?.[1]), writes: Number(/syscw: (\d+)/.exec(io)?.[1]) };
}
