/**
 * The group coordinator of one node: groups per namespace (a tenant never sees another's groups), the
 * classic rebalance protocol (group.ts) and committed offsets, which live in the topic log
 * (TopicLog.commitOffsets/fetchOffsets) so they survive restarts and move with the bucket.
 */
import type { GroupOffset, TopicLog } from '../../log/types.js';
import { Group } from './group.js';
import { DEFAULT_GROUP_CONFIG, type GroupConfig, type GroupDescription, type GroupErrorName, type GroupState, type JoinParams, type JoinResult, type SyncResult } from './types.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly config: GroupConfig;

  constructor(
    private readonly log: TopicLog,
    config: Partial<GroupConfig> = {},
    private readonly onRebalance: (namespace: string, groupId: string, generationId: number) => void = () => {},
  ) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...config };
  }

  private key(namespace: string, groupId: string): string {
    return `${namespace}\u0000${groupId}`;
  }

  private group(namespace: string, groupId: string, create: boolean): Group | undefined {
    const k = this.key(namespace, groupId);
    let g = this.groups.get(k);
    if (!g && create) {
      g = new Group(groupId, this.config, (id, gen) => this.onRebalance(namespace, id, gen));
      this.groups.set(k, g);
    }
    return g;
  }

  join(namespace: string, p: JoinParams): Promise<JoinResult> {
    if (!p.groupId) {
      return Promise.resolve({ error: 'INVALID_GROUP_ID', generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: p.memberId, members: [] });
    }
    const g = this.group(namespace, p.groupId, true)!;
    return new Promise((resolve) => g.join(p, resolve));
  }

  sync(namespace: string, groupId: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<SyncResult> {
    const g = this.group(namespace, groupId, false);
    if (!g) return Promise.resolve({ error: 'UNKNOWN_MEMBER_ID', protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    return new Promise((resolve) => g.sync(memberId, generationId, assignments, resolve));
  }

  heartbeat(namespace: string, groupId: string, memberId: string, generationId: number): GroupErrorName {
    return this.group(namespace, groupId, false)?.heartbeat(memberId, generationId) ?? 'UNKNOWN_MEMBER_ID';
  }

  leave(namespace: string, groupId: string, memberId: string, groupInstanceId: string | null = null): GroupErrorName {
    return this.group(namespace, groupId, false)?.leave(memberId, groupInstanceId) ?? 'UNKNOWN_MEMBER_ID';
  }

  /** Checks membership and generation, then stores the offsets durably. */
  async commit(namespace: string, groupId: string, memberId: string, generationId: number, offsets: GroupOffset[]): Promise<GroupErrorName> {
    if (!groupId) return 'INVALID_GROUP_ID';
    const g = this.group(namespace, groupId, false);
    const error = g ? g.validateCommit(memberId, generationId) : generationId < 0 ? 'NONE' : 'ILLEGAL_GENERATION';
    if (error !== 'NONE') return error;
    if (offsets.length > 0) await this.log.commitOffsets(namespace, groupId, offsets);
    return 'NONE';
  }

  fetchOffsets(namespace: string, groupId: string): Promise<GroupOffset[]> {
    return this.log.fetchOffsets(namespace, groupId);
  }

  describe(namespace: string, groupId: string): GroupDescription | undefined {
    return this.group(namespace, groupId, false)?.describe();
  }

  /** Live groups plus groups that only have committed offsets (state Empty). */
  async list(namespace: string): Promise<GroupListing[]> {
    const out = new Map<string, GroupListing>();
    for (const id of await this.log.listGroups(namespace)) out.set(id, { groupId: id, protocolType: 'consumer', state: 'Empty' });
    const prefix = `${namespace}\u0000`;
    for (const [k, g] of this.groups) {
      if (!k.startsWith(prefix)) continue;
      if (g.size === 0 && !out.has(g.groupId)) continue;
      out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType ?? 'consumer', state: g.state });
    }
    return [...out.values()];
  }

  /** Deletes a group without members and its committed offsets. */
  async delete(namespace: string, groupId: string): Promise<GroupErrorName> {
    const g = this.group(namespace, groupId, false);
    if (g && g.size > 0) return 'NON_EMPTY_GROUP';
    if (!g && !(await this.log.listGroups(namespace)).includes(groupId)) return 'GROUP_ID_NOT_FOUND';
    await this.log.deleteGroup(namespace, groupId);
    if (g) {
      g.close();
      this.groups.delete(this.key(namespace, groupId));
    }
    return 'NONE';
  }

  /** Stops every timer and answers pending joins/syncs (shutdown). */
  close(): void {
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
  }
}
