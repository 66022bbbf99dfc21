/**
 * The classic group state machine without sockets: join rounds, leader/follower responses, protocol
 * selection (cooperative-sticky preferred when everyone supports it), SyncGroup waits for the leader,
 * rebalance on join / leave / session timeout, generation checks on heartbeat and commit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCoordinator } from '../../src/broker/groups/coordinator.js';
import type { JoinParams } from '../../src/broker/groups/types.js';
import type { GroupOffset, TopicLog } from '../../src/log/types.js';

function offsetsOnlyLog(): TopicLog {
  const saved = new Map<string, GroupOffset[]>();
  return {
    commitOffsets: async (ns: string, g: string, o: GroupOffset[]) => void saved.set(`${ns}/${g}`, [...(saved.get(`${ns}/${g}`) ?? []), ...o]),
    fetchOffsets: async (ns: string, g: string) => saved.get(`${ns}/${g}`) ?? [],
    listGroups: async (ns: string) => [...saved.keys()].filter((k) => k.startsWith(`${ns}/`)).map((k) => k.slice(ns.length + 1)),
  } as unknown as TopicLog;
}

const meta = (s: string): Buffer => Buffer.from(s);
const params = (over: Partial<JoinParams> = {}): JoinParams => ({
  groupId: 'g',
  memberId: '',
  groupInstanceId: null,
  clientId: 'c',
  clientHost: '127.0.0.1',
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: meta('r') }],
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 2_000,
  ...over,
});

let coord: GroupCoordinator;
afterEach(() => coord?.close());

describe('group coordinator', () => {
  it('runs a join round: one leader with all metadata, followers without', async () => {
    let rebalances = 0;
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 50 }, () => rebalances++);
    const [a, b] = await Promise.all([coord.join('ns', params()), coord.join('ns', params({ protocols: [{ name: 'range', metadata: meta('b') }] }))]);
    expect(a.error).toBe('NONE');
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    const leader = a.leader === a.memberId ? a : b;
    const follower = leader === a ? b : a;
    expect(leader.members.map((m) => m.metadata.toString()).sort()).toEqual(['b', 'r']);
    expect(follower.members).toEqual([]);
    expect(rebalances).toBe(1);

    const followerSync = coord.sync('ns', 'g', follower.memberId, 1, []);
    const leaderSync = await coord.sync('ns', 'g', leader.memberId, 1, [
      { memberId: leader.memberId, assignment: meta('L') },
      { memberId: follower.memberId, assignment: meta('F') },
    ]);
    expect(leaderSync.assignment.toString()).toBe('L');
    expect((await followerSync).assignment.toString()).toBe('F');
    expect(coord.describe('ns', 'g')!.state).toBe('Stable');
    expect(coord.heartbeat('ns', 'g', follower.memberId, 1)).toBe('NONE');
    expect(coord.heartbeat('ns', 'g', follower.memberId, 0)).toBe('ILLEGAL_GENERATION');
    expect(coord.heartbeat('ns', 'g', 'nobody', 1)).toBe('UNKNOWN_MEMBER_ID');
    expect(coord.describe('other-ns', 'g')).toBeUndefined();
  });

  it('completes the first join when the delay timer fires before the wall clock reaches its end', async () => {
    // libuv starts a timer from its cached loop time, so it can fire while Date.now() is still a little short
    // of the delay's end; the join must not then wait for the rebalance timeout (kafkajs: 60 s)
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 50 });
    const now = Date.now.bind(Date);
    const started = now();
    const joined = coord.join('ns', params({ rebalanceTimeoutMs: 60_000 }));
    const lagging = vi.spyOn(Date, 'now').mockImplementation(() => now() - 20);
    try {
      const r = await joined;
      expect(r.error).toBe('NONE');
      expect(now() - started).toBeLessThan(5_000);
    } finally {
      lagging.mockRestore();
    }
  }, 10_000);

  it('selects the protocol every member supports, by preference', async () => {
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 20 });
    const coop = { name: 'cooperative-sticky', metadata: meta('c') };
    const range = { name: 'range', metadata: meta('r') };
    const [a, b] = await Promise.all([coord.join('ns', params({ protocols: [coop, range] })), coord.join('ns', params({ protocols: [coop, range] }))]);
    expect(a.protocolName).toBe('cooperative-sticky');
    expect(b.protocolName).toBe('cooperative-sticky');
    // a member without a common protocol is refused
    const c = await coord.join('ns', params({ protocols: [{ name: 'roundrobin', metadata: meta('x') }] }));
    expect(c.error).toBe('INCONSISTENT_GROUP_PROTOCOL');
  });

  it('rebalances when a member joins a stable group, and on leave', async () => {
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 20 });
    const a = await coord.join('ns', params());
    await coord.sync('ns', 'g', a.memberId, a.generationId, [{ memberId: a.memberId, assignment: meta('all') }]);
    const bJoin = coord.join('ns', params());
    expect(coord.heartbeat('ns', 'g', a.memberId, a.generationId)).toBe('REBALANCE_IN_PROGRESS');
    const a2 = await coord.join('ns', params({ memberId: a.memberId }));
    const b = await bJoin;
    expect(a2.generationId).toBe(a.generationId + 1);
    expect(b.generationId).toBe(a2.generationId);
    expect(coord.leave('ns', 'g', b.memberId)).toBe('NONE');
    expect(coord.describe('ns', 'g')!.state).toBe('PreparingRebalance');
    const a3 = await coord.join('ns', params({ memberId: a.memberId }));
    expect(a3.generationId).toBe(a2.generationId + 1);
    expect(coord.leave('ns', 'g', a.memberId)).toBe('NONE');
    expect(coord.describe('ns', 'g')!.state).toBe('Empty');
  });

  it('expires a member whose session times out and rebalances the rest', async () => {
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 20, minSessionTimeoutMs: 10 });
    const [a, b] = await Promise.all([coord.join('ns', params({ sessionTimeoutMs: 200 })), coord.join('ns', params({ sessionTimeoutMs: 200 }))]);
    const leader = a.leader === a.memberId ? a : b;
    const other = leader === a ? b : a;
    await Promise.all([coord.sync('ns', 'g', other.memberId, 1, []), coord.sync('ns', 'g', leader.memberId, 1, [])]);
    // only the leader keeps heartbeating
    const beat = setInterval(() => coord.heartbeat('ns', 'g', leader.memberId, leader.generationId), 50);
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(coord.describe('ns', 'g')!.members.map((m) => m.memberId)).toEqual([leader.memberId]);
      expect(coord.heartbeat('ns', 'g', leader.memberId, 1)).toBe('REBALANCE_IN_PROGRESS');
    } finally {
      clearInterval(beat);
    }
    const again = await coord.join('ns', params({ memberId: leader.memberId, sessionTimeoutMs: 200 }));
    expect(again.generationId).toBe(2);
  });

  it('removes members that do not rejoin within the rebalance timeout', async () => {
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 10 });
    const [a, b] = await Promise.all([coord.join('ns', params({ rebalanceTimeoutMs: 300 })), coord.join('ns', params({ rebalanceTimeoutMs: 300 }))]);
    expect(a.generationId).toBe(1);
    const started = Date.now();
    const c = await coord.join('ns', params({ rebalanceTimeoutMs: 300 })); // a and b never rejoin
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(c.generationId).toBe(2);
    expect(c.leader).toBe(c.memberId);
    expect(coord.heartbeat('ns', 'g', b.memberId, 2)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('checks member and generation on commit; memberless commits need an empty group', async () => {
    coord = new GroupCoordinator(offsetsOnlyLog(), { initialRebalanceDelayMs: 10 });
    const off = [{ topic: 't', partition: 0, offset: 5 }];
    expect(await coord.commit('ns', 'solo', '', -1, off)).toBe('NONE');
    expect(await coord.fetchOffsets('ns', 'solo')).toEqual(off);
    const a = await coord.join('ns', params());
    expect(await coord.commit('ns', 'g', a.memberId, a.generationId, off)).toBe('REBALANCE_IN_PROGRESS'); // awaiting sync
    await coord.sync('ns', 'g', a.memberId, a.generationId, []);
    expect(await coord.commit('ns', 'g', a.memberId, a.generationId, off)).toBe('NONE');
    expect(await coord.commit('ns', 'g', a.memberId, a.generationId + 1, off)).toBe('ILLEGAL_GENERATION');
    expect(await coord.commit('ns', 'g', '', -1, off)).toBe('UNKNOWN_MEMBER_ID');
    expect((await coord.list('ns')).map((g) => g.groupId).sort()).toEqual(['g', 'solo']);
  });
});
