/**
 * The Java client (kafka-clients 4.1, idempotence on by default, acks=all) through Kafka's own console
 * producer and consumer classes from kafka-tools, all from Maven Central. The jars are fetched once by
 *   mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs
 * (Java 17 and Maven; .ci/run does it). Without them this file is skipped and says so, except under CI=true,
 * where a missing jar is a failure, not a silent skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveKafkaJars as haveJars, KAFKA_LIBS as LIBS, runJava } from '../support/tool.js';
import { startTestBroker, type TestBroker } from './support/broker.js';

let broker: TestBroker;

describe.runIf(!haveJars && process.env.CI === 'true')('Java client jars under CI', () => {
  it('are installed by .ci/run', () => {
    expect.fail(`Kafka jars missing in ${LIBS}: run mvn -q -f bench/kafka-peer/pom.xml dependency:copy-dependencies -DoutputDirectory=../../.cache/kafka/libs`);
  });
});

const java = runJava;

beforeAll(async () => {
  if (haveJars) broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe.skipIf(!haveJars)('Java client (kafka-clients 4.1, console tools) against Strata', () => {
  it('console producer (idempotent, zstd) → console consumer in a group', async () => {
    const bootstrap = broker.brokers[0];
    const lines = Array.from({ length: 100 }, (_, i) => `k${i}:v${i}`);
    await java('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', bootstrap, '--topic', 'java-t', '--compression-codec', 'zstd', '--property', 'parse.key=true', '--property', 'key.separator=:'], lines.join('\n') + '\n');
    const topic = broker.log.getTopic('default', 'java-t')!;
    expect(topic.partitions[0].highWatermark).toBe(100);
    const out = await java('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', bootstrap, '--topic', 'java-t', '--group', 'java-g', '--from-beginning', '--max-messages', '100',
      '--property', 'print.key=true', '--property', 'key.separator=:',
    ]);
    expect(out.trim().split('\n')).toEqual(lines);
    const committed = await broker.log.fetchOffsets('default', 'java-g');
    expect(committed.find((o) => o.topic === 'java-t')?.offset).toBe(100);
  });
});
