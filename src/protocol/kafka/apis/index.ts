/** Every API Strata implements, by key. ApiVersions advertises exactly this table. */
import type { ApiDef } from '../codec/api.js';
import { CreatePartitions } from './create-partitions.js';
import { DeleteGroups } from './delete-groups.js';
import { CreateTopics } from './create-topics.js';
import { DeleteTopics } from './delete-topics.js';
import { DescribeConfigs } from './describe-configs.js';
import { DescribeGroups } from './describe-groups.js';
import { Fetch } from './fetch.js';
import { FindCoordinator } from './find-coordinator.js';
import { Heartbeat } from './heartbeat.js';
import { InitProducerId } from './init-producer-id.js';
import { JoinGroup } from './join-group.js';
import { LeaveGroup } from './leave-group.js';
import { ListGroups } from './list-groups.js';
import { ListOffsets } from './list-offsets.js';
import { Metadata } from './metadata.js';
import { OffsetCommit } from './offset-commit.js';
import { OffsetFetch } from './offset-fetch.js';
import { Produce } from './produce.js';
import { SaslAuthenticate, SaslHandshake } from './sasl.js';
import { SyncGroup } from './sync-group.js';
import { ApiVersions } from './api-versions.js';

export const APIS: readonly ApiDef[] = [
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  InitProducerId,
  DescribeConfigs,
  SaslAuthenticate,
  CreatePartitions,
  DeleteGroups,
];

export const API_BY_KEY: ReadonlyMap<number, ApiDef> = new Map(APIS.map((a) => [a.key, a]));
