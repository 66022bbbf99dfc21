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

/** An ObjectStore wrapper that can be switched offline (every call fails with a retriable error). */
export class Switchable implements ObjectStore {
  offline = false;
  puts = 0;
  constructor(readonly inner: ObjectStore) {}
  get kind(): string {
    return 'switchable';
  }
  get location(): string {
    return this.inner.location;
  }
  private gate(): void {
    if (this.offline) throw Object.assign(new (require_errors().StrataError)('STRATA_ERR_STORE_UNREACHABLE', 'offline (test)'));
  }
  async get(...a: Parameters<ObjectStore['get']>) {
    this.gate();
    return this.inner.get(...a);
  }
  async put(...a: Parameters<ObjectStore['put']>) {
    this.gate();
    this.puts++;
    return this.inner.put(...a);
  }
  async head(...a: Parameters<ObjectStore['head']>) {
    this.gate();
    return this.inner.head(...a);
  }
  async list(...a: Parameters<ObjectStore['list']>) {
    this.gate();
    return this.inner.list(...a);
  }
  async delete(key: string) {
    this.gate();
    return this.inner.delete(key);
  }
  async check() {}
  async close() {}
}

import * as errors from '../../src/errors.js';
function require_errors(): typeof errors {
  return errors;
}
