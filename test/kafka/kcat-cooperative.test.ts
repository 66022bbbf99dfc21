/**
 * librdkafka's cooperative-sticky assignor (incremental rebalancing, KIP-429) through kcat: two balanced
 * consumers share a topic, one stops (LeaveGroup), the other takes over its partitions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;
const procs: ChildProcess[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await broker?.stop();
});

function member(lines: string[]): ChildProcess {
  const p = spawn('kcat', ['-b', broker.brokers[0], '-G', 'coop', '-X', 'partition.assignment.strategy=cooperative-sticky', '-X', 'session.timeout.ms=6000', '-o', 'beginning', '-f', '%s\\n', '-q', '-u', 'coop-topic']);
  p.stdout!.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)));
  p.stderr!.resume();
  procs.push(p);
  return p;
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produce(from: number, n: number): Promise<void> {
  const p = spawn('kcat', ['-b', broker.brokers[0], '-P', '-t', 'coop-topic', '-K:']);
  p.stdin!.end(Array.from({ length: n }, (_, i) => `k${from + i}:m${from + i}`).join('\n') + '\n');
  await new Promise((resolve) => p.on('close', resolve));
}

describe('kcat cooperative-sticky group against Strata', () => {
  it('splits partitions between two members and hands them over when one leaves', async () => {
    await broker.log.createTopic('default', 'coop-topic', { partitions: 4 });
    const a: string[] = [];
    const b: string[] = [];
    member(a);
    const pb = member(b);
    await until(() => {
      const d = broker.server.groups.describe('default', 'coop');
      return d?.state === 'Stable' && d.members.length === 2 && d.members.every((m) => m.assignment.length > 0);
    });
    expect(broker.server.groups.describe('default', 'coop')!.protocolName).toBe('cooperative-sticky');
    await produce(0, 40);
    await until(() => a.length + b.length >= 40);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);

    pb.kill('SIGTERM'); // kcat closes its consumer: LeaveGroup
    await until(() => broker.server.groups.describe('default', 'coop')?.members.length === 1 && broker.server.groups.describe('default', 'coop')?.state === 'Stable');
    await produce(40, 40);
    await until(() => a.filter((m) => Number(m.slice(1)) >= 40).length === 40);
    expect(new Set([...a, ...b]).size).toBe(80);
  });
});
