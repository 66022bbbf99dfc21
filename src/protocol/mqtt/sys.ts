/**
 * `$SYS/broker/...` statistics, published retained at a fixed interval into every namespace, with the
 * topic names Mosquitto uses so existing dashboards work. `$SYS` topics never match `#` or `+` at the
 * first level [MQTT-4.7.2-1]: subscribe to `$SYS/#` to see them.
 */
import { VERSION } from '../../server/version.js';
import type { MqttServer } from './server.js';

export function sysValues(server: MqttServer, namespace: string): Record<string, string> {
  const broker = server.options.broker;
  const space = broker.space(namespace);
  let connected = 0;
  for (const s of space.sessions.values()) if (s.connected) connected++;
  return {
    '$SYS/broker/version': `strata ${VERSION}`,
    '$SYS/broker/uptime': `${Math.floor((Date.now() - server.startedAt) / 1000)} seconds`,
    '$SYS/broker/clients/connected': String(connected),
    '$SYS/broker/clients/total': String(space.sessions.size),
    '$SYS/broker/subscriptions/count': String(space.trie.size),
    '$SYS/broker/retained messages/count': String(space.retained.size),
    '$SYS/broker/messages/received': String(broker.stats.published),
    '$SYS/broker/messages/sent': String(broker.stats.routed),
    '$SYS/broker/messages/dropped': String(broker.stats.dropped),
    '$SYS/broker/messages/queued': String(broker.stats.queued),
  };
}

/** Starts the periodic publisher; returns its stop function. */
export function startSys(server: MqttServer, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const tick = (): void => {
    const broker = server.options.broker;
    for (const ns of broker.spaces.keys()) {
      for (const [topic, value] of Object.entries(sysValues(server, ns))) {
        const prev = broker.space(ns).retained.get(topic);
        if (prev && prev.payload.toString() === value) continue;
        void broker.publish(ns, { topic, payload: Buffer.from(value), qos: 0, retain: true });
      }
    }
  };
  const t = setInterval(tick, intervalMs);
  t.unref();
  setImmediate(tick);
  return () => clearInterval(t);
}
