/**
 * One consumer group: the classic rebalance state machine, after Kafka's GroupCoordinator/GroupMetadata.
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
 *   CompletingRebalance ──leader SyncGroup──▶ Stable ──join (new member, changed metadata, leader) / leave /
 *   session timeout──▶ PreparingRebalance;  last member gone ──▶ Empty
 *
 * JoinGroup responses are held until every known member has rejoined (or the rebalance timeout removes
 * the stragglers); SyncGroup responses are held until the leader sends the assignment.
 */
import { randomUUID } from 'node:crypto';
import { sameProtocols, selectProtocol, supportsSomeProtocol } from './protocols.js';
import type { GroupConfig, GroupDescription, GroupState, JoinParams, JoinResult, ProtocolMetadata, SyncResult } from './types.js';

interface Member extends Omit<JoinParams, 'groupId'> {
  assignment: Buffer;
  joinWaiter?: (r: JoinResult) => void;
  syncWaiter?: (r: SyncResult) => void;
  sessionTimer?: NodeJS.Timeout;
}

const EMPTY: Buffer = Buffer.alloc(0);

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  private readonly members = new Map<string, Member>();
  private rebalanceTimer?: NodeJS.Timeout;
  private delayTimer?: NodeJS.Timeout;
  private notBefore = 0;

  constructor(
    readonly groupId: string,
    private readonly config: GroupConfig,
    private readonly onRebalance: (groupId: string, generationId: number) => void = () => {},
  ) {}

  get size(): number {
    return this.members.size;
  }
  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  join(p: JoinParams, reply: (r: JoinResult) => void): void {
    const fail = (error: JoinResult['error']): void => reply({ error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: p.memberId, members: [] });
    if (p.sessionTimeoutMs < this.config.minSessionTimeoutMs || p.sessionTimeoutMs > this.config.maxSessionTimeoutMs) return fail('INVALID_SESSION_TIMEOUT');
    if (p.protocols.length === 0 || (this.members.size > 0 && p.protocolType !== this.protocolType) || !supportsSomeProtocol(this.members.values(), p.protocols)) {
      return fail('INCONSISTENT_GROUP_PROTOCOL');
    }
    let member = p.memberId === '' ? undefined : this.members.get(p.memberId);
    if (p.memberId !== '' && !member) {
      // static member rejoining under a new member id keeps its place
      const staticMember = p.groupInstanceId ? [...this.members.values()].find((m) => m.groupInstanceId === p.groupInstanceId) : undefined;
      if (!staticMember) return fail('UNKNOWN_MEMBER_ID');
      member = staticMember;
    }
    if (!member) {
      if (this.members.size >= this.config.maxSize) return fail('GROUP_MAX_SIZE_REACHED');
      const existingStatic = p.groupInstanceId ? [...this.members.values()].find((m) => m.groupInstanceId === p.groupInstanceId) : undefined;
      if (existingStatic) this.removeMember(existingStatic.memberId);
      member = {
        memberId: `${p.clientId || 'member'}-${randomUUID()}`,
        groupInstanceId: p.groupInstanceId,
        clientId: p.clientId,
        clientHost: p.clientHost,
        protocolType: p.protocolType,
        protocols: p.protocols,
        sessionTimeoutMs: p.sessionTimeoutMs,
        rebalanceTimeoutMs: p.rebalanceTimeoutMs > 0 ? p.rebalanceTimeoutMs : p.sessionTimeoutMs,
        assignment: EMPTY,
      };
      this.members.set(member.memberId, member);
      if (this.members.size === 1) this.protocolType = p.protocolType;
      member.joinWaiter = reply;
      this.touch(member);
      this.prepareRebalance();
      return;
    }
    const unchanged = sameProtocols(member.protocols, p.protocols);
    member.protocols = p.protocols;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs > 0 ? p.rebalanceTimeoutMs : p.sessionTimeoutMs;
    this.touch(member);
    if (this.state === 'PreparingRebalance') {
      member.joinWaiter?.(this.joinError(member, 'UNKNOWN_MEMBER_ID'));
      member.joinWaiter = reply;
      this.maybeCompleteJoin();
    } else if ((this.state === 'CompletingRebalance' || this.state === 'Stable') && unchanged && member.memberId !== this.leaderId) {
      // nothing changed: answer with the current generation (Kafka does the same)
      reply(this.joinResult(member));
    } else {
      member.joinWaiter = reply;
      this.prepareRebalance();
    }
  }

  sync(memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }>, reply: (r: SyncResult) => void): void {
    const member = this.members.get(memberId);
    const answer = (error: SyncResult['error'], assignment = EMPTY): void => reply({ error, protocolType: this.protocolType, protocolName: this.protocolName, assignment });
    if (!member) return answer('UNKNOWN_MEMBER_ID');
    if (generationId !== this.generationId) return answer('ILLEGAL_GENERATION');
    this.touch(member);
    if (this.state === 'PreparingRebalance') return answer('REBALANCE_IN_PROGRESS');
    if (this.state === 'Stable') return answer('NONE', member.assignment);
    member.syncWaiter = reply;
    if (memberId === this.leaderId) {
      const byId = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of this.members.values()) m.assignment = byId.get(m.memberId) ?? EMPTY;
      this.state = 'Stable';
      for (const m of this.members.values()) {
        const w = m.syncWaiter;
        m.syncWaiter = undefined;
        w?.({ error: 'NONE', protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment });
      }
    }
  }

  heartbeat(memberId: string, generationId: number): JoinResult['error'] {
    const member = this.members.get(memberId);
    if (!member) return 'UNKNOWN_MEMBER_ID';
    if (generationId !== this.generationId) return 'ILLEGAL_GENERATION';
    this.touch(member);
    return this.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : 'NONE';
  }

  leave(memberId: string, groupInstanceId: string | null): JoinResult['error'] {
    const id = memberId || [...this.members.values()].find((m) => groupInstanceId && m.groupInstanceId === groupInstanceId)?.memberId;
    if (!id || !this.members.has(id)) return 'UNKNOWN_MEMBER_ID';
    this.removeMember(id);
    return 'NONE';
  }

  /** Validates the member and generation of an OffsetCommit (generation -1: a simple, memberless commit). */
  validateCommit(memberId: string, generationId: number): JoinResult['error'] {
    if (generationId < 0 && memberId === '') return this.members.size === 0 ? 'NONE' : 'UNKNOWN_MEMBER_ID';
    const member = this.members.get(memberId);
    if (!member) return 'UNKNOWN_MEMBER_ID';
    if (generationId !== this.generationId) return 'ILLEGAL_GENERATION';
    if (this.state === 'CompletingRebalance') return 'REBALANCE_IN_PROGRESS';
    this.touch(member);
    return 'NONE';
  }

  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocolName: this.protocolName ?? '',
      generationId: this.generationId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    };
  }

  /** Drops every member and timer (broker shutdown). */
  close(): void {
    for (const id of [...this.members.keys()]) this.removeMember(id, false);
    this.clearTimers();
    this.state = 'Dead';
  }

  // internals ----------------------------------------------------------------------------------------

  private touch(member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => this.expire(member.memberId), member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private expire(memberId: string): void {
    const member = this.members.get(memberId);
    if (!member) return;
    // a member waiting for its JoinGroup answer is alive (Kafka: shouldKeepAlive while awaiting join)
    if (member.joinWaiter && this.state === 'PreparingRebalance') return this.touch(member);
    this.removeMember(memberId);
  }

  private removeMember(memberId: string, rebalance = true): void {
    const member = this.members.get(memberId);
    if (!member) return;
    clearTimeout(member.sessionTimer);
    this.members.delete(memberId);
    member.joinWaiter?.(this.joinError(member, 'UNKNOWN_MEMBER_ID'));
    member.syncWaiter?.({ error: 'UNKNOWN_MEMBER_ID', protocolType: null, protocolName: null, assignment: EMPTY });
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    if (!rebalance) return;
    if (this.members.size === 0) {
      this.clearTimers();
      this.state = 'Empty';
      this.generationId++;
      this.protocolName = null;
      this.leaderId = null;
    } else if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
    else this.prepareRebalance();
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        const w = m.syncWaiter;
        m.syncWaiter = undefined;
        w?.({ error: 'REBALANCE_IN_PROGRESS', protocolType: this.protocolType, protocolName: this.protocolName, assignment: EMPTY });
      }
    }
    if (this.state !== 'PreparingRebalance') {
      const wasEmpty = this.state === 'Empty';
      this.state = 'PreparingRebalance';
      this.notBefore = wasEmpty ? Date.now() + this.config.initialRebalanceDelayMs : 0;
      const timeout = Math.max(...[...this.members.values()].map((m) => m.rebalanceTimeoutMs), this.config.initialRebalanceDelayMs);
      this.rebalanceTimer = setTimeout(() => this.completeJoin(), timeout);
      this.rebalanceTimer.unref();
      if (this.notBefore > 0) {
        // the delay is over when its timer fires: a timer may fire a little before Date.now() reaches
        // notBefore (libuv measures from its cached loop time), and nothing would check again until the
        // rebalance timeout
        this.delayTimer = setTimeout(() => {
          this.notBefore = 0;
          this.maybeCompleteJoin();
        }, this.config.initialRebalanceDelayMs);
        this.delayTimer.unref();
      }
    }
    this.maybeCompleteJoin();
  }

  private maybeCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || Date.now() < this.notBefore) return;
    for (const m of this.members.values()) if (!m.joinWaiter) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.clearTimers();
    for (const m of [...this.members.values()]) if (!m.joinWaiter) this.removeMember(m.memberId, false);
    this.generationId++;
    if (this.members.size === 0) {
      this.state = 'Empty';
      this.protocolName = null;
      this.leaderId = null;
      return;
    }
    this.protocolName = selectProtocol(this.members.values());
    if (!this.leaderId || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value ?? null;
    this.state = 'CompletingRebalance';
    this.onRebalance(this.groupId, this.generationId);
    for (const m of this.members.values()) {
      const w = m.joinWaiter;
      m.joinWaiter = undefined;
      this.touch(m);
      w?.(this.joinResult(m));
    }
  }

  private joinResult(member: Member): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      error: 'NONE',
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  private joinError(member: Member, error: JoinResult['error']): JoinResult {
    return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: member.memberId, members: [] };
  }

  private clearTimers(): void {
    clearTimeout(this.rebalanceTimer);
    clearTimeout(this.delayTimer);
    this.rebalanceTimer = this.delayTimer = undefined;
  }
}
