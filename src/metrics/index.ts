export { metricsRegistry, initProcessMetrics, counter, gauge, histogram, LATENCY_BUCKETS, SIZE_BUCKETS } from './registry.js';
