/**
 * Helpers of the Kafka benchmark: Apache Kafka 4.1 as a single-node KRaft broker started from its Maven
 * Central jars (no Docker), and Kafka's own ProducerPerformance / ConsumerPerformance tools with output
 * parsing. Jars: mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIBS = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'kafka', 'libs');
export const haveKafkaJars = (): boolean => existsSync(join(LIBS, 'kafka_2.13-4.1.0.jar'));

const JAVA_OPTS = ['-Xms512m', '-Xmx1g', '-XX:+UseG1GC'];

export function run(mainClass: string, args: string[], timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('java', [...JAVA_OPTS, '-cp', `${LIBS}/*`, mainClass, ...args]);
    let out = '';
    let err = '';
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`${mainClass} timed out`))), timeoutMs);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out + (process.env.STRATA_BENCH_DEBUG ? err : ''));
      else reject(new Error(`${mainClass} exited ${code}: ${err.slice(-1500)}`));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface KafkaBroker {
  bootstrap: string;
  stop(): Promise<void>;
}

/** Formats a fresh KRaft log dir and starts broker+controller in one JVM. */
export async function startKafka(dir: string, port: number, controllerPort: number, partitions = 1): Promise<KafkaBroker> {
  mkdirSync(dir, { recursive: true });
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dir, 'logs')}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      `num.partitions=${partitions}`,
    ].join('\n') + '\n',
  );
  const clusterId = randomBytes(16).toString('base64url');
  await run('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', props], 120_000);
  const log = openSync(join(dir, 'kafka.out'), 'w');
  const p: ChildProcess = spawn('java', [...JAVA_OPTS, '-cp', `${LIBS}/*`, 'kafka.Kafka', props], { stdio: ['ignore', log, log] });
  await waitForPort(port, 120_000);
  return {
    bootstrap: `127.0.0.1:${port}`,
    async stop() {
      if (p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface ProduceFigures {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** ProducerPerformance's final line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, … 99th, … 99.9th." */
export function parseProducer(out: string): ProduceFigures {
  const line = out.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(line);
  if (!m) throw new Error(`cannot parse ProducerPerformance output: ${out.slice(-500)}`);
  return { records: Number(m[1]), recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgMs: Number(m[4]), p50Ms: Number(m[5]), p99Ms: Number(m[6]), p999Ms: Number(m[7]) };
}

export async function producePerf(bootstrap: string, topic: string, records: number, size: number, extraProps: string[] = []): Promise<ProduceFigures> {
  const out = await run('org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', ...extraProps,
  ]);
  return parseProducer(out);
}

export interface ConsumeFigures {
  mb: number;
  mbPerSec: number;
  records: number;
  recordsPerSec: number;
  fetchMbPerSec: number;
}

/** ConsumerPerformance CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec */
export async function consumePerf(bootstrap: string, topic: string, records: number): Promise<ConsumeFigures> {
  const out = await run('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--timeout', '60000', '--group', `perf-${topic}`]);
  const line = out.trim().split('\n').pop()!.split(',').map((s) => s.trim());
  return { mb: Number(line[2]), mbPerSec: Number(line[3]), records: Number(line[4]), recordsPerSec: Number(line[5]), fetchMbPerSec: Number(line[8]) };
}
