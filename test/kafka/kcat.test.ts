/**
 * librdkafka through kcat (Debian/Ubuntu package "kcat"): metadata, produce with every codec librdkafka
 * offers, idempotent produce, consume from the beginning, and a balanced consumer group with commits.
 */
import { runTool } from '../support/tool.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './support/broker.js';

const run = promisify(execFile);
let broker: TestBroker;

function kcat(args: string[], input?: string, timeoutMs = 20_000): Promise<string> {
  return runTool('kcat', ['-b', broker.brokers[0], ...args], input ?? '', timeoutMs, `kcat ${args.join(' ')}`);
}

beforeAll(async () => {
  await run('kcat', ['-V']); // fails clearly when kcat is not installed (apt-get install kcat)
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe('kcat (librdkafka) against Strata', () => {
  it('lists metadata', async () => {
    await broker.log.createTopic('default', 'kc-meta', { partitions: 3 });
    const md = JSON.parse(await kcat(['-L', '-J']));
    expect(md.brokers[0].name).toContain(`:${broker.port}`);
    const t = md.topics.find((x: { topic: string }) => x.topic === 'kc-meta');
    expect(t.partitions).toHaveLength(3);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces with compression ${codec} and consumes it back`, async () => {
      const topic = `kc-${codec}`;
      const lines = Array.from({ length: 200 }, (_, i) => `key${i}:value-${i}-${'x'.repeat(i % 50)}`);
      await kcat(['-P', '-t', topic, '-K:', '-z', codec, '-X', 'linger.ms=5'], lines.join('\n') + '\n');
      const out = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\\n']);
      expect(out.trim().split('\n')).toEqual(lines);
    });
  }

  it('produces idempotently (enable.idempotence) and every record lands once', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await kcat(['-P', '-t', 'kc-idem', '-X', 'enable.idempotence=true', '-X', 'max.in.flight=5', '-X', 'batch.num.messages=50'], lines.join('\n') + '\n');
    const out = await kcat(['-C', '-t', 'kc-idem', '-o', 'beginning', '-e', '-f', '%s\\n']);
    expect(out.trim().split('\n')).toEqual(lines);
  });

  it('consumes as a balanced group member and commits offsets', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `g${i}`);
    await kcat(['-P', '-t', 'kc-group'], lines.join('\n') + '\n');
    const out = await kcat(['-G', 'kc-g1', '-o', 'beginning', '-e', '-f', '%s\\n', '-X', 'auto.commit.interval.ms=100', 'kc-group'], undefined, 30_000);
    expect(out.trim().split('\n')).toEqual(lines);
    const committed = await broker.log.fetchOffsets('default', 'kc-g1');
    expect(committed.find((o) => o.topic === 'kc-group')?.offset).toBe(30);
  });
});
