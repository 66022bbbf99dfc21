/**
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups: thin wire
 * adapters over the group coordinator (src/broker/groups). This node coordinates every group.
 */
import type { GroupErrorName } from '../../../broker/groups/types.js';
import type { Msg } from '../codec/schema.js';
import { KafkaError, kafkaErrorOf } from '../error-codes.js';
import type { ConnectionState, KafkaContext } from './context.js';

export const code = (name: GroupErrorName): number => KafkaError[name];

/** Metadata and assignments outlive the request frame: copy them out of it. */
const copy = (b: Buffer | null): Buffer => (b ? Buffer.from(b) : Buffer.alloc(0));

export function handleFindCoordinator(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  const { nodeId } = ctx.settings;
  const { host, port } = conn.advertised;
  if (version >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: (req.coordinatorKeys as string[]).map((key) => ({ key, nodeId, host, port, errorCode: KafkaError.NONE, errorMessage: null })),
    };
  }
  return { throttleTimeMs: 0, errorCode: KafkaError.NONE, errorMessage: null, nodeId, host, port };
}

export async function handleJoinGroup(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const r = await ctx.groups.join(conn.namespace, {
    groupId: req.groupId,
    memberId: req.memberId ?? '',
    groupInstanceId: req.groupInstanceId,
    clientId: conn.clientId,
    clientHost: conn.clientHost,
    protocolType: req.protocolType ?? '',
    protocols: (req.protocols as Msg[]).map((p) => ({ name: p.name, metadata: copy(p.metadata) })),
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : -1,
  });
  return {
    throttleTimeMs: 0,
    errorCode: code(r.error),
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: r.protocolName ?? (version >= 7 ? null : ''),
    leader: r.leader,
    skipAssignment: false,
    memberId: r.memberId,
    members: r.members,
  };
}

export async function handleSyncGroup(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const assignments = (req.assignments as Msg[]).map((a) => ({ memberId: a.memberId as string, assignment: copy(a.assignment) }));
  const r = await ctx.groups.sync(conn.namespace, req.groupId, req.memberId, req.generationId, assignments);
  return { throttleTimeMs: 0, errorCode: code(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
}

export function handleHeartbeat(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  return { throttleTimeMs: 0, errorCode: code(ctx.groups.heartbeat(conn.namespace, req.groupId, req.memberId, req.generationId)) };
}

export function handleLeaveGroup(req: Msg, version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  if (version < 3) {
    return { throttleTimeMs: 0, errorCode: code(ctx.groups.leave(conn.namespace, req.groupId, req.memberId)) };
  }
  const members = (req.members as Msg[]).map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode: code(ctx.groups.leave(conn.namespace, req.groupId, m.memberId ?? '', m.groupInstanceId)),
  }));
  return { throttleTimeMs: 0, errorCode: KafkaError.NONE, members };
}

export function handleDescribeGroups(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Msg {
  const groups = (req.groups as string[]).map((groupId) => {
    const d = ctx.groups.describe(conn.namespace, groupId);
    if (!d) return { errorCode: KafkaError.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    return {
      errorCode: KafkaError.NONE,
      groupId,
      groupState: d.state,
      protocolType: d.protocolType,
      protocolData: d.protocolName,
      members: d.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
    };
  });
  return { throttleTimeMs: 0, groups };
}

export async function handleListGroups(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const states = (req.statesFilter as string[]).map((s) => s.toLowerCase());
  const groups = (await ctx.groups.list(conn.namespace))
    .filter((g) => states.length === 0 || states.includes(g.state.toLowerCase()))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state }));
  return { throttleTimeMs: 0, errorCode: KafkaError.NONE, groups };
}

export async function handleDeleteGroups(req: Msg, _version: number, conn: ConnectionState, ctx: KafkaContext): Promise<Msg> {
  const results = [];
  for (const groupId of req.groupsNames as string[]) {
    try {
      results.push({ groupId, errorCode: code(await ctx.groups.delete(conn.namespace, groupId)) });
    } catch (err) {
      results.push({ groupId, errorCode: kafkaErrorOf(err) });
    }
  }
  return { throttleTimeMs: 0, results };
}
