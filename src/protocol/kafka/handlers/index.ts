/** Request handlers by API key (one per entry of apis/index.ts). */
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics, handleDescribeConfigs } from './admin.js';
import type { Handler } from './context.js';
import { handleFetch } from './fetch.js';
import { handleDeleteGroups, handleDescribeGroups, handleFindCoordinator, handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleListGroups, handleSyncGroup } from './groups.js';
import { handleListOffsets } from './list-offsets.js';
import { handleMetadata } from './metadata.js';
import { handleOffsetCommit, handleOffsetFetch } from './offsets.js';
import { handleProduce } from './produce.js';
import { handleInitProducerId } from './producer-id.js';
import { handleSaslAuthenticate, handleSaslHandshake } from './sasl.js';
import { APIS } from '../apis/index.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError } from '../error-codes.js';

export function handleApiVersions(): Msg {
  return {
    errorCode: KafkaError.NONE,
    apiKeys: APIS.map((a) => ({ apiKey: a.key, minVersion: a.min, maxVersion: a.max })),
    throttleTimeMs: 0,
  };
}

export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [0, handleProduce],
  [1, handleFetch],
  [2, handleListOffsets],
  [3, handleMetadata],
  [8, handleOffsetCommit],
  [9, handleOffsetFetch],
  [10, handleFindCoordinator],
  [11, handleJoinGroup],
  [12, handleHeartbeat],
  [13, handleLeaveGroup],
  [14, handleSyncGroup],
  [15, handleDescribeGroups],
  [16, handleListGroups],
  [17, handleSaslHandshake],
  [18, handleApiVersions],
  [19, handleCreateTopics],
  [20, handleDeleteTopics],
  [22, handleInitProducerId],
  [32, handleDescribeConfigs],
  [36, handleSaslAuthenticate],
  [37, handleCreatePartitions],
  [42, handleDeleteGroups],
]);
