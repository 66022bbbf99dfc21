/**
 * Agent channel conventions (docs/agents.md): topic names, user-property names and payload coding.
 * Pure functions, no I/O, so any component (SDK, HTTP side, tests) builds the same names.
 */

/** A retained agent card, published to `agents/<id>/card`. */
export interface AgentCard {
  id: string;
  name: string;
  description?: string;
  /** Skill names; each is also a worker pool `skills/<skill>/requests`. */
  skills: string[];
  /** Content types the agent accepts and produces, e.g. `application/json`, `text/plain`. */
  input: string[];
  output: string[];
  [extra: string]: unknown;
}

export type Presence = 'online' | 'offline' | 'unknown';

/** Levels (agent ids, skill names) must be one non-empty MQTT topic level without wildcards. */
const LEVEL = /^[^/+#\u0000$][^/+#\u0000]*$/;

export function checkLevel(kind: 'agent id' | 'skill', value: string): string {
  if (!LEVEL.test(value) || Buffer.byteLength(value) > 256) {
    throw new TypeError(`${kind} "${value}" must be one topic level: non-empty, ≤ 256 bytes, no '/', '+', '#', NUL, not starting with '$'`);
  }
  return value;
}

export const topics = {
  card: (agentId: string) => `agents/${agentId}/card`,
  status: (agentId: string) => `agents/${agentId}/status`,
  /** Requests addressed to one agent (not shared). */
  inbox: (agentId: string) => `agents/${agentId}/requests`,
  /** The response topic an agent's requests carry; replies are told apart by correlation data. */
  replies: (agentId: string) => `agents/${agentId}/replies`,
  /** Requests to any member of a skill's worker pool. */
  pool: (skill: string) => `skills/${skill}/requests`,
  /** The shared subscription pool members subscribe to (share group = skill name). */
  poolShare: (skill: string) => `$share/${skill}/skills/${skill}/requests`,
  allCards: 'agents/+/card',
  allStatus: 'agents/+/status',
} as const;

/** `agents/<id>/<leaf>` → id, or undefined. */
export function agentOf(topic: string, leaf: 'card' | 'status'): string | undefined {
  const parts = topic.split('/');
  return parts.length === 3 && parts[0] === 'agents' && parts[2] === leaf ? parts[1] : undefined;
}

/** User properties of the agent conventions. */
export const props = {
  /** On requests: which skill is asked (required on `agents/<id>/requests` when the agent serves several). */
  skill: 'agent-skill',
  /** On requests: the requesting agent id (informational). */
  from: 'agent-from',
  /** On requests: ms since epoch after which the requester no longer waits. */
  deadline: 'agent-deadline',
  /** On replies: `reply` | `chunk` | `end` | `error`. */
  kind: 'agent-kind',
  /** On replies: 0, 1, 2, … per request, in publish order. */
  seq: 'agent-seq',
} as const;

export type ReplyKind = 'reply' | 'chunk' | 'end' | 'error';

export interface Encoded {
  payload: Buffer;
  contentType: string;
}

/** Strings → text/plain, bytes → application/octet-stream, anything else → application/json. */
export function encode(value: unknown): Encoded {
  if (typeof value === 'string') return { payload: Buffer.from(value), contentType: 'text/plain; charset=utf-8' };
  if (value instanceof Uint8Array) return { payload: Buffer.from(value), contentType: 'application/octet-stream' };
  return { payload: Buffer.from(JSON.stringify(value ?? null)), contentType: 'application/json' };
}

/** Inverse of encode(); a missing content type decodes as text when the payload is UTF-8 flagged, else bytes. */
export function decode(payload: Buffer, contentType?: string, utf8Flag?: boolean): unknown {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/json') || ct.endsWith('+json')) return payload.length ? JSON.parse(payload.toString('utf8')) : null;
  if (ct.startsWith('text/') || (!ct && utf8Flag)) return payload.toString('utf8');
  return payload;
}

/** Reads one user property (mqtt.js gives string | string[]). */
export function userProp(up: Record<string, string | string[]> | undefined, name: string): string | undefined {
  const v = up?.[name];
  return Array.isArray(v) ? v[0] : v;
}
