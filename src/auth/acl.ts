/**
 * ACL rules: `{ "action": "publish" | "subscribe" | "all", "topic": "<filter>", "deny"?: true }`, with
 * `%u` (user name) and `%c` (client id) substituted. The first matching rule decides; no match denies.
 * Publish: the rule's filter must match the topic. Subscribe: the requested filter must be covered by
 * the rule's filter (so `sensors/#` allows `sensors/+/temp` but `sensors/+` does not allow `sensors/#`);
 * a subscribe deny rule hits every filter that overlaps it (else `#` would reach what `a/secret` denies).
 * A substitution value containing `+`, `#` or `/` never matches (it could widen the rule).
 */
import { parseShared, topicMatches } from '../broker/mqtt/topic.js';
import type { Authorizer, ClientIdentity } from './types.js';

export interface AclRule {
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
  deny?: boolean;
}

function substitute(pattern: string, id: ClientIdentity): string | undefined {
  if (!pattern.includes('%')) return pattern;
  const bad = (v: string | undefined): boolean => v === undefined || /[+#/]/.test(v);
  if (pattern.includes('%u') && bad(id.user)) return undefined;
  if (pattern.includes('%c') && bad(id.clientId)) return undefined;
  return pattern.replaceAll('%u', id.user ?? '').replaceAll('%c', id.clientId);
}

/** Whether every topic matched by `filter` is matched by `pattern`. */
export function filterCovered(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= f.length) return false;
    if (f[i] === '#') return false;
    if (p[i] === '+') continue;
    if (p[i] !== f[i]) return false;
  }
  return p.length === f.length;
}

/** Whether some topic is matched by both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    if (i >= x.length || i >= y.length) return x.length === y.length || x[i] === '#' || y[i] === '#';
    if (x[i] === '#' || y[i] === '#') return true;
    if (x[i] !== '+' && y[i] !== '+' && x[i] !== y[i]) return false;
  }
}

export function aclAllows(rules: readonly AclRule[], id: ClientIdentity, action: 'publish' | 'subscribe', topicOrFilter: string): boolean {
  let target = topicOrFilter;
  if (action === 'subscribe') target = parseShared(topicOrFilter)?.filter ?? topicOrFilter;
  for (const rule of rules) {
    if (rule.action !== 'all' && rule.action !== action) continue;
    const pattern = substitute(rule.topic, id);
    if (pattern === undefined) continue;
    const hit = action === 'publish' ? topicMatches(pattern, target) || pattern === target : rule.deny ? filtersOverlap(pattern, target) : filterCovered(pattern, target);
    if (hit) return !rule.deny;
  }
  return false;
}

/** An Authorizer from a function that returns the rules of an identity (undefined = allow all). */
export function aclAuthorizer(rulesOf: (id: ClientIdentity) => readonly AclRule[] | undefined): Authorizer {
  return {
    canPublish: (id, topic) => {
      const rules = rulesOf(id);
      return rules === undefined || aclAllows(rules, id, 'publish', topic);
    },
    canSubscribe: (id, filter) => {
      const rules = rulesOf(id);
      return rules === undefined || aclAllows(rules, id, 'subscribe', filter);
    },
  };
}
