/**
 * Topic names and filters (MQTT 5.0 §4.7, 3.1.1 §4.7): validation, matching, and `$share/<group>/<filter>`.
 */

/** Largest topic length in bytes the protocol can carry. */
export const MAX_TOPIC_BYTES = 65535;

/** A topic name a client may publish to: non-empty, no wildcards, no NUL [MQTT-4.7.3-1, MQTT-3.3.2-2, MQTT-1.5.4-2]. */
export function isValidTopicName(topic: string, maxLength = MAX_TOPIC_BYTES): boolean {
  if (topic.length === 0 || Buffer.byteLength(topic) > maxLength) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x23 /* # */ || c === 0x2b /* + */ || c === 0) return false;
  }
  return true;
}

/** A topic filter: `#` only as the whole last level, `+` only as a whole level [MQTT-4.7.1-1, MQTT-4.7.1-2]. */
export function isValidTopicFilter(filter: string, maxLength = MAX_TOPIC_BYTES): boolean {
  if (filter.length === 0 || Buffer.byteLength(filter) > maxLength) return false;
  if (filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return false;
    if (l.includes('+') && l !== '+') return false;
  }
  return true;
}

export interface SharedFilter {
  group: string;
  filter: string;
}

/**
 * `$share/<group>/<filter>` → { group, filter }; undefined when not a shared subscription; null when it is
 * malformed (empty group, group with wildcard, missing filter) [MQTT-4.8.2-1, MQTT-4.8.2-2].
 */
export function parseShared(filter: string): SharedFilter | undefined | null {
  if (!filter.startsWith('$share/')) return undefined;
  const rest = filter.slice(7);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const group = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (/[+#]/.test(group) || inner.length === 0 || !isValidTopicFilter(inner)) return null;
  return { group, filter: inner };
}

/** Whether `filter` matches `topic`; `$`-topics never match a wildcard at the first level [MQTT-4.7.2-1]. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 0x24 /* $ */ && (filter.charCodeAt(0) === 0x2b || filter.charCodeAt(0) === 0x23)) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true; // also matches the parent level [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
