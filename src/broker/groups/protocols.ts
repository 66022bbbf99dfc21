/**
 * Protocol selection of the classic group protocol (Kafka's GroupMetadata.selectProtocol): candidates are
 * the protocols every member supports; each member votes for its most preferred candidate; most votes wins.
 * The assignors themselves (range, round-robin, sticky, cooperative-sticky…) run in the clients.
 */
import type { ProtocolMetadata } from './types.js';

interface HasProtocols {
  protocols: ProtocolMetadata[];
}

/** Protocols every member supports, in the first member's order. */
export function candidates(members: Iterable<HasProtocols>): string[] {
  let set: string[] | undefined;
  for (const m of members) {
    const names = m.protocols.map((p) => p.name);
    set = set === undefined ? names : set.filter((n) => names.includes(n));
  }
  return set ?? [];
}

/** Whether a joining member shares at least one protocol with the current members (any, when empty). */
export function supportsSomeProtocol(members: Iterable<HasProtocols>, protocols: ProtocolMetadata[]): boolean {
  const list = [...members];
  if (list.length === 0) return true;
  const names = new Set(protocols.map((p) => p.name));
  return candidates(list).some((c) => names.has(c));
}

export function selectProtocol(members: Iterable<HasProtocols>): string | null {
  const list = [...members];
  const common = candidates(list);
  const votes = new Map<string, number>();
  for (const m of list) {
    const choice = m.protocols.find((p) => common.includes(p.name))?.name;
    if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [name, n] of votes) if (best === null || n > (votes.get(best) ?? 0)) best = name;
  return best;
}

export function sameProtocols(a: ProtocolMetadata[], b: ProtocolMetadata[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata));
}
