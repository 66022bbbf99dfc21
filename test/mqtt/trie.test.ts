/** Routing structures against the reference matcher, with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetainedStore } from '../../src/broker/mqtt/retained.js';
import { isValidTopicFilter, parseShared, topicMatches } from '../../src/broker/mqtt/topic.js';
import { SubscriptionTrie } from '../../src/broker/mqtt/trie.js';
import { route } from '../../src/broker/mqtt/router.js';
import type { Session } from '../../src/broker/mqtt/session.js';
import type { Message, Subscription } from '../../src/broker/mqtt/types.js';

const level = fc.constantFrom('a', 'b', 'c', '', '$x');
const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
const filter = fc
  .array(fc.constantFrom('a', 'b', '', '+', '$x'), { minLength: 1, maxLength: 4 })
  .chain((l) => fc.boolean().map((hash) => (hash ? [...l, '#'] : l).join('/')))
  .filter((f) => isValidTopicFilter(f));

describe('topic rules', () => {
  it('matches per spec examples', () => {
    expect(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1')).toBe(true);
    expect(topicMatches('sport/#', 'sport')).toBe(true);
    expect(topicMatches('sport/+', 'sport/')).toBe(true);
    expect(topicMatches('sport/+', 'sport')).toBe(false);
    expect(topicMatches('+/+', '/finance')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/monitor/Clients', '$SYS/monitor/Clients')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/x')).toBe(true);
    expect(isValidTopicFilter('sport/tennis#')).toBe(false);
    expect(isValidTopicFilter('sport/#/ranking')).toBe(false);
    expect(isValidTopicFilter('sport+')).toBe(false);
    expect(parseShared('$share/g/a/#')).toEqual({ group: 'g', filter: 'a/#' });
    expect(parseShared('$share//a')).toBeNull();
    expect(parseShared('$share/g')).toBeNull();
    expect(parseShared('a/b')).toBeUndefined();
  });

  it('the trie finds exactly the filters the reference matcher accepts, and prunes on remove', () => {
    fc.assert(
      fc.property(fc.uniqueArray(filter, { maxLength: 12 }), fc.array(topic, { maxLength: 10 }), (filters, topics) => {
        const trie = new SubscriptionTrie<string>();
        filters.forEach((f, i) => trie.add(f, `c${i}`, f));
        for (const t of topics) {
          const got: string[] = [];
          trie.match(t, { sub: (_id, f) => got.push(f), shared: () => {} });
          expect(got.sort()).toEqual(filters.filter((f) => topicMatches(f, t)).sort());
        }
        filters.forEach((f, i) => expect(trie.remove(f, `c${i}`)).toBe(true));
        expect(trie.size).toBe(0);
        expect((trie as unknown as { root: { children: Map<string, unknown> } }).root.children.size).toBe(0);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('route() merges overlapping subscriptions into one target per session (max QoS, every subscription id), for few and many sessions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ client: fc.integer({ min: 0, max: 20 }), filter, qos: fc.constantFrom(0, 1, 2), id: fc.integer({ min: 0, max: 5 }) }), { maxLength: 40 }),
        topic,
        (subs, t) => {
          const trie = new SubscriptionTrie<Subscription>();
          const sessions = new Map<string, Session>();
          const added = new Map<string, Subscription>(); // (client, filter) → the subscription that stands
          for (const x of subs) {
            const clientId = `c${x.client}`;
            if (!sessions.has(clientId)) sessions.set(clientId, { clientId, ended: false, connected: true } as unknown as Session);
            const sub: Subscription = { filter: x.filter, qos: x.qos as 0 | 1 | 2, noLocal: false, retainAsPublished: false, retainHandling: 0, ...(x.id ? { subscriptionId: x.id } : {}) };
            trie.add(x.filter, clientId, sub);
            added.set(`${clientId}\u0000${x.filter}`, sub);
          }
          const message = { topic: t, qos: 2, retain: false } as unknown as Message;
          const targets = route(trie, sessions, message);
          const want = new Map<string, { qos: number; ids: number[] }>();
          for (const [k, sub] of added) {
            if (!topicMatches(sub.filter, t)) continue;
            const clientId = k.split('\u0000')[0]!;
            const w = want.get(clientId) ?? { qos: 0, ids: [] };
            w.qos = Math.max(w.qos, sub.qos);
            if (sub.subscriptionId) w.ids.push(sub.subscriptionId);
            want.set(clientId, w);
          }
          expect(targets.map((x) => x.session.clientId).sort()).toEqual([...want.keys()].sort());
          for (const x of targets) {
            const w = want.get(x.session.clientId)!;
            expect(x.qos).toBe(w.qos);
            expect([...(x.subscriptionIds ?? [])].sort()).toEqual([...w.ids].sort());
          }
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('route() with many matching sessions (past the array search): still one target each', () => {
    const trie = new SubscriptionTrie<Subscription>();
    const sessions = new Map<string, Session>();
    for (let i = 0; i < 12; i++) {
      const clientId = `s${i}`;
      sessions.set(clientId, { clientId, ended: false, connected: true } as unknown as Session);
      trie.add('#', clientId, { filter: '#', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 1 });
      trie.add('a/+', clientId, { filter: 'a/+', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 2 });
    }
    const targets = route(trie, sessions, { topic: 'a/b', qos: 2, retain: false } as unknown as Message);
    expect(targets.map((t) => t.session.clientId).sort()).toEqual([...sessions.keys()].sort());
    for (const t of targets) {
      expect(t.qos).toBe(1);
      expect([...t.subscriptionIds!].sort()).toEqual([1, 2]);
    }
  });

  it('the retained store returns exactly the matching topics', () => {
    fc.assert(
      fc.property(fc.uniqueArray(topic, { maxLength: 12 }), filter, (topics, f) => {
        const store = new RetainedStore();
        for (const t of topics) store.set({ topic: t, payload: Buffer.from('x'), qos: 0, retain: true });
        expect(store.match(f).map((m) => m.topic).sort()).toEqual(topics.filter((t) => topicMatches(f, t)).sort());
        for (const t of topics) expect(store.delete(t)).toBe(true);
        expect(store.size).toBe(0);
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

describe('hand-written PUBLISH encoder', () => {
  it('produces the same bytes as mqtt-packet for 3.1.1', async () => {
    const mqtt = (await import('mqtt-packet')).default;
    const { publishV4 } = await import('../../src/protocol/mqtt/outbound.js');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.uint8Array({ maxLength: 20000 }), fc.constantFrom(0, 1, 2), fc.boolean(), fc.integer({ min: 1, max: 65535 }), (topic, payload, qos, retain, id) => {
        const want = mqtt.generate({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: qos as 0 | 1 | 2, retain, dup: false, messageId: qos ? id : undefined });
        expect(publishV4(topic, Buffer.from(payload), qos, retain, id).equals(want)).toBe(true);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});
