/**
 * Restart recovery: rebuilds persistent sessions from their snapshots and re-queues, from the durable
 * message log, every message at or after a session's cursor that matches its subscriptions (for shared
 * subscriptions: only messages whose group picked this session, as recorded in the log record).
 * Delivery is at least once: a message acknowledged after the last cursor write is delivered again.
 * The in-flight window of the last snapshot comes back under the same packet ids (resent with DUP=1, or as
 * PUBREL), and so do the incoming QoS 2 ids awaiting PUBREL [MQTT-4.4.0-1, MQTT-4.3.3-10]. Other replayed
 * messages go out as new PUBLISHes (DUP=0, new ids), also those sent in the last cursorFlushMs before a crash.
 */
import type { QoS } from 'mqtt-packet';
import type { Broker } from './broker.js';
import type { Session } from './session.js';
import { parseShared, topicMatches } from './topic.js';
import type { Message, SessionSnapshot } from './types.js';
import { fromDocument } from './record-codec.js';

const CHUNK = 1000;

export async function replaySessions(broker: Broker, snapshots: Promise<SessionSnapshot[]>): Promise<void> {
  const now = Date.now();
  const byNs = new Map<string, Session[]>();
  const restored = new Map<Session, Map<number, { id: number; state: 'publish' | 'pubrel' }>>();
  for (const snap of await snapshots) {
    const since = snap.disconnectedAt ?? now;
    if (snap.expiryInterval !== 0xffffffff && since + snap.expiryInterval * 1000 <= now) {
      await broker.persistence.deleteSession(snap.namespace, snap.clientId);
      continue;
    }
    const space = broker.space(snap.namespace);
    const s = broker.newSession(snap.namespace, snap.clientId);
    s.expiryInterval = snap.expiryInterval;
    s.owner = snap.owner;
    s.cursor = snap.cursor;
    s.disconnectedAt = since;
    for (const id of snap.incomingQos2 ?? []) s.incomingQos2.add(id);
    const flights = new Map<number, { id: number; state: 'publish' | 'pubrel' }>();
    for (const f of snap.inflight ?? []) {
      flights.set(f.offset, f);
      if (f.state === 'publish') continue; // restored below from the log, under the same packet id
      // PUBREC was received: only the PUBREL is resent, the message itself is not needed [MQTT-4.3.3-5]
      const message: Message = { topic: '', payload: Buffer.alloc(0), qos: 2, retain: false, logOffset: f.offset };
      s.restoreInflight(f.id, { message, qos: 2, retain: false }, 'pubrel');
    }
    if (flights.size) restored.set(s, flights);
    for (const sub of snap.subscriptions) {
      s.subscriptions.set(sub.filter, sub);
      const shared = parseShared(sub.filter);
      if (shared) space.trie.add(shared.filter, s.clientId, sub, shared.group);
      else space.trie.add(sub.filter, s.clientId, sub);
    }
    space.sessions.set(s.clientId, s);
    if (snap.will) {
      // the connection was lost with the node: its will is due, counted from the restart
      const message = { ...fromDocument(Buffer.from(snap.will.document, 'base64')), retain: snap.will.retain };
      broker.scheduleWill(s, { message, delay: snap.will.delay }, Math.min(snap.will.delay, s.expiryInterval));
    }
    if (!s.expiresNever()) {
      const left = since + s.expiryInterval * 1000 - now;
      s.expiryTimer = setTimeout(() => broker.expire(s), left);
      s.expiryTimer.unref();
    }
    let list = byNs.get(snap.namespace);
    if (!list) byNs.set(snap.namespace, (list = []));
    list.push(s);
  }
  for (const [ns, sessions] of byNs) {
    let offset = Math.min(...sessions.map((s) => s.cursor));
    for (;;) {
      const { messages, next, end } = await broker.persistence.read(ns, offset, CHUNK);
      for (const { offset: o, message } of messages) {
        message.logOffset = o;
        for (const s of sessions) {
          if (o < s.cursor) continue;
          let qos = -1;
          const ids: number[] = [];
          const picked = message.sharedTargets?.includes(s.clientId) ?? false;
          for (const sub of s.subscriptions.values()) {
            const shared = parseShared(sub.filter);
            // a shared subscription gets the message only if its group picked this session [MQTT-4.8.2-3]
            if (shared ? !picked || !topicMatches(shared.filter, message.topic) : !topicMatches(sub.filter, message.topic)) continue;
            if (sub.noLocal && message.origin === s.clientId) continue;
            qos = Math.max(qos, Math.min(sub.qos, message.qos));
            if (sub.subscriptionId) ids.push(sub.subscriptionId);
          }
          if (qos <= 0) continue;
          const d = { message, qos: qos as QoS, retain: false, subscriptionIds: ids.length ? ids : undefined };
          const f = restored.get(s)?.get(o);
          if (f?.state === 'pubrel') continue; // already back in flight, waiting for PUBCOMP
          if (f) s.restoreInflight(f.id, d, 'publish'); // attach() resends it with DUP=1, same id [MQTT-4.4.0-1]
          else s.deliver(d);
        }
      }
      if (messages.length === 0 || next >= end) break;
      offset = next;
    }
  }
  broker.logger.info({ sessions: [...byNs.values()].reduce((n, l) => n + l.length, 0) }, 'mqtt sessions restored');
}
