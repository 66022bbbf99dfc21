/** Public API of the topic log. */
export { openTopicLog, type OpenTopicLogOptions, type OpenedTopicLog } from './topic-log.js';
export { DEFAULT_LOG_CONFIG, DEFAULT_TOPIC_CONFIG, type LogConfig } from './config.js';
export type { LogCache } from './reader.js';
export { createLogMetrics, type LogMetrics } from './metrics.js';
export { encodeBatch, decodeBatch, validateBatch, readBatchHeader, iterateBatches } from './record-batch.js';
export { murmur2, partitionForKey } from './murmur2.js';
export * from './types.js';
