/** Routing structures against the reference matcher, with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetainedStore } from '../../src/broker/mqtt/retained.js';
import { isValidTopicFilter, parseShared, topicMatches } from '../../src/broker/mqtt/topic.js';
import { SubscriptionTrie } from '../../src/broker/mqtt/trie.js';

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
