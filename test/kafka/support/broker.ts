/**
 * A Kafka listener over the real topic log on a MemoryStore, on a random port, for interop tests.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { openTopicLog, type OpenedTopicLog } from '../../../src/log/index.js';
import type { LogCache } from '../../../src/log/reader.js';
import type { ObjectStore } from '../../../src/store/types.js';
import { createKafkaServer, type KafkaServer, type KafkaServerOptions } from '../../../src/protocol/kafka/server.js';
import { MemoryStore } from '../../../src/store/memory.js';

export interface TestBroker {
  port: number;
  brokers: string[];
  log: OpenedTopicLog;
  server: KafkaServer;
  registry: Registry;
  stop(): Promise<void>;
}

/** `with`: another store than a fresh MemoryStore, and a read cache for the log (default none). */
export async function startTestBroker(options: Partial<KafkaServerOptions> = {}, with_: { store?: ObjectStore; cache?: LogCache } = {}): Promise<TestBroker> {
  const logger = pino({ level: process.env.STRATA_TEST_LOG ?? 'silent' });
  const store = with_.store ?? new MemoryStore();
  const log = await openTopicLog({ store, cache: with_.cache, logger, config: { walLingerMs: 2, compactionIntervalMs: 0 } });
  const registry = new Registry();
  const server = createKafkaServer({
    log,
    logger,
    host: '127.0.0.1',
    port: 0,
    registry,
    groups: { initialRebalanceDelayMs: 100, minSessionTimeoutMs: 100 },
    ...options,
  });
  const port = await server.start();
  return {
    port,
    brokers: [`127.0.0.1:${port}`],
    log,
    server,
    registry,
    async stop() {
      await server.stop();
      await log.close();
    },
  };
}
