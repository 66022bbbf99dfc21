/**
 * Fan-out of one message to the sessions whose subscriptions match (MQTT 5.0 §4.8, §3.3.4): one
 * delivery per session for its overlapping non-shared subscriptions (highest QoS, every subscription
 * identifier [MQTT-3.3.4-3, MQTT-3.3.4-4]), one member per shared group, round-robin, preferring
 * connected members.
 */
import type { QoS } from 'mqtt-packet';
import type { Session } from './session.js';
import type { SharedGroup, SubscriptionTrie } from './trie.js';
import type { Message, Subscription } from './types.js';

export interface Target {
  session: Session;
  qos: QoS;
  retain: boolean;
  subscriptionIds?: number[];
  /** Picked by a shared subscription group. */
  shared?: true;
}

function minQos(a: QoS, b: QoS): QoS {
  return (a < b ? a : b) as QoS;
}

function pickShared(group: SharedGroup<Subscription>, sessions: Map<string, Session>): [Session, Subscription] | undefined {
  const ids = [...group.members.keys()];
  let fallback: [Session, Subscription] | undefined;
  for (let k = 0; k < ids.length; k++) {
    const i = (group.next + k) % ids.length;
    const s = sessions.get(ids[i]!);
    if (!s || s.ended) continue;
    const sub = group.members.get(ids[i]!)!;
    if (s.connected) {
      group.next = (i + 1) % ids.length;
      return [s, sub];
    }
    fallback ??= [s, sub];
  }
  if (fallback) group.next = (group.next + 1) % Math.max(ids.length, 1);
  return fallback;
}

/** Computes where `message` goes; the caller delivers (possibly after making it durable). */
export function route(trie: SubscriptionTrie<Subscription>, sessions: Map<string, Session>, message: Message): Target[] {
  const targets: Target[] = [];
  // a session's overlapping subscriptions merge into one target; few targets are searched in the array
  // (no Map per routed message: most messages match one or two subscriptions), many through a Map
  let byClient: Map<string, Target> | undefined;
  let plain = 0;
  const find = (clientId: string): Target | undefined => {
    if (byClient) return byClient.get(clientId);
    for (const t of targets) if (!t.shared && t.session.clientId === clientId) return t;
    return undefined;
  };
  trie.match(message.topic, {
    sub(clientId, sub) {
      if (sub.noLocal && clientId === message.origin) return; // [MQTT-3.8.3-3]
      const session = sessions.get(clientId);
      if (!session) return;
      const qos = minQos(message.qos, sub.qos); // [MQTT-3.8.4-8]
      const retain = sub.retainAsPublished ? message.retain : false;
      const t = find(clientId);
      if (!t) {
        const nt: Target = { session, qos, retain, subscriptionIds: sub.subscriptionId ? [sub.subscriptionId] : undefined };
        targets.push(nt);
        if (byClient) byClient.set(clientId, nt);
        else if (++plain > 8) byClient = new Map(targets.filter((x) => !x.shared).map((x) => [x.session.clientId, x]));
        return;
      }
      if (qos > t.qos) t.qos = qos;
      t.retain ||= retain;
      if (sub.subscriptionId) (t.subscriptionIds ??= []).push(sub.subscriptionId);
    },
    shared(group) {
      const picked = pickShared(group, sessions);
      if (!picked) return;
      const [session, sub] = picked;
      targets.push({
        session,
        qos: minQos(message.qos, sub.qos),
        retain: sub.retainAsPublished ? message.retain : false,
        subscriptionIds: sub.subscriptionId ? [sub.subscriptionId] : undefined,
        shared: true,
      });
    },
  });
  return targets;
}
