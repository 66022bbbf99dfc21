import pino from 'pino';
import { Registry } from 'prom-client';
import { createLogMetrics } from '../../src/log/metrics.js';
import { openTopicLog, type OpenedTopicLog } from '../../src/log/topic-log.js';
import type { LogConfig } from '../../src/log/config.js';
import type { ObjectStore } from '../../src/store/types.js';

export const quiet = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

export function open(store: ObjectStore, config: Partial<LogConfig> = {}): Promise<OpenedTopicLog> {
  return openTopicLog({ store, logger: quiet, metrics: createLogMetrics(new Registry()), config: { walLingerMs: 5, compactionIntervalMs: 0, ...config } });
}

export const v = (s: string): { value: Buffer } => ({ value: Buffer.from(s) });
