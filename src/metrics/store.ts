/**
 * Object-store metrics (docs/reference/object-store.md lists them):
 *   strata_store_requests_total{op,outcome}   calls by operation and outcome
 *   strata_store_request_seconds{op}          latency histogram (retries included)
 *   strata_store_bytes_total{op}              payload bytes read (get) and written (put)
 */
import type { Registry } from 'prom-client';
import type { StoreObserver } from '../store/metered.js';
import { counter, histogram, metricsRegistry } from './registry.js';

export function storeMetrics(registry: Registry = metricsRegistry): StoreObserver {
  const requests = counter({ name: 'strata_store_requests_total', help: 'Object store requests by operation and outcome', labelNames: ['op', 'outcome'] }, registry);
  const seconds = histogram({ name: 'strata_store_request_seconds', help: 'Object store request latency in seconds, retries included', labelNames: ['op'] }, registry);
  const bytes = counter({ name: 'strata_store_bytes_total', help: 'Object store payload bytes read (get) and written (put)', labelNames: ['op'] }, registry);
  return {
    observe(op, outcome, s, n) {
      requests.inc({ op, outcome });
      seconds.observe({ op }, s);
      if (n > 0) bytes.inc({ op }, n);
    },
  };
}
