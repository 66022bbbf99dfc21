/**
 * Classic consumer-group protocol types (Kafka's JoinGroup/SyncGroup/Heartbeat/LeaveGroup state machine).
 * The coordinator is protocol-neutral data-wise: assignors run in the clients (range, round-robin, sticky,
 * cooperative-sticky…), the broker only picks a protocol all members support and relays metadata and
 * assignments. Error names are Kafka's; the Kafka frontend maps them onto wire codes.
 */

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export type GroupErrorName =
  | 'NONE'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_GENERATION'
  | 'REBALANCE_IN_PROGRESS'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'INVALID_SESSION_TIMEOUT'
  | 'INVALID_GROUP_ID'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'GROUP_MAX_SIZE_REACHED'
  | 'NON_EMPTY_GROUP'
  | 'GROUP_ID_NOT_FOUND';

export interface ProtocolMetadata {
  name: string;
  metadata: Buffer;
}

export interface JoinParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  protocolType: string;
  protocols: ProtocolMetadata[];
  sessionTimeoutMs: number;
  /** -1 (JoinGroup v0) means: same as the session timeout. */
  rebalanceTimeoutMs: number;
}

export interface JoinResult {
  error: GroupErrorName;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Filled for the leader only. */
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  error: GroupErrorName;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolName: string;
  generationId: number;
  members: MemberDescription[];
}

export interface GroupConfig {
  /** Wait this long after the first member joins an empty group, so that others can join the same round. */
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  maxSize: number;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 1_800_000,
  maxSize: 1000,
};
