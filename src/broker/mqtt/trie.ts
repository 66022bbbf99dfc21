/**
 * The subscription trie: one node per topic level, with `+` and `#` children. Matching a topic walks at
 * most two branches per level, so routing cost grows with topic depth, not with the number of filters.
 * Shared subscriptions live on the node of their inner filter, grouped by share name.
 */

export interface TrieNode<S> {
  children: Map<string, TrieNode<S>>;
  /** Non-shared subscribers at this filter: client id → subscription. */
  subs: Map<string, S>;
  /** Shared groups at this filter: group → (client id → subscription). */
  shared: Map<string, SharedGroup<S>>;
}

export interface SharedGroup<S> {
  group: string;
  filter: string;
  members: Map<string, S>;
  /** Round-robin cursor. */
  next: number;
}

function node<S>(): TrieNode<S> {
  return { children: new Map(), subs: new Map(), shared: new Map() };
}

export interface MatchVisitor<S> {
  sub(clientId: string, sub: S): void;
  shared(group: SharedGroup<S>): void;
}

export class SubscriptionTrie<S> {
  private readonly root: TrieNode<S> = node();
  private count = 0;

  get size(): number {
    return this.count;
  }

  private walk(filter: string, create: boolean): TrieNode<S> | undefined {
    let n = this.root;
    for (const level of filter.split('/')) {
      let c = n.children.get(level);
      if (!c) {
        if (!create) return undefined;
        c = node();
        n.children.set(level, c);
      }
      n = c;
    }
    return n;
  }

  /** Adds or replaces; returns true when it replaced an existing subscription [MQTT-3.8.4-3]. */
  add(filter: string, clientId: string, sub: S, group?: string): boolean {
    const n = this.walk(filter, true)!;
    let map = n.subs;
    if (group !== undefined) {
      let g = n.shared.get(group);
      if (!g) n.shared.set(group, (g = { group, filter, members: new Map(), next: 0 }));
      map = g.members;
    }
    const existed = map.has(clientId);
    map.set(clientId, sub);
    if (!existed) this.count++;
    return existed;
  }

  remove(filter: string, clientId: string, group?: string): boolean {
    const path: TrieNode<S>[] = [];
    let n: TrieNode<S> | undefined = this.root;
    const levels = filter.split('/');
    for (const level of levels) {
      path.push(n);
      n = n.children.get(level);
      if (!n) return false;
    }
    let removed: boolean;
    if (group === undefined) removed = n.subs.delete(clientId);
    else {
      const g = n.shared.get(group);
      removed = g ? g.members.delete(clientId) : false;
      if (g && g.members.size === 0) n.shared.delete(group);
    }
    if (removed) this.count--;
    // prune empty nodes bottom-up
    for (let i = levels.length - 1; i >= 0; i--) {
      const child = i === levels.length - 1 ? n : path[i + 1]!;
      if (child.children.size || child.subs.size || child.shared.size) break;
      path[i]!.children.delete(levels[i]!);
    }
    return removed;
  }

  /** Visits every subscription whose filter matches `topic`. */
  match(topic: string, visitor: MatchVisitor<S>): void {
    const levels = topic.split('/');
    this.matchNode(this.root, levels, 0, visitor, topic.charCodeAt(0) === 0x24);
  }

  private matchNode(n: TrieNode<S>, levels: string[], i: number, v: MatchVisitor<S>, dollar: boolean): void {
    // `$`-topics skip wildcards at the first level [MQTT-4.7.2-1]
    const wild = !(dollar && i === 0);
    if (wild) {
      const hash = n.children.get('#');
      if (hash) this.emit(hash, v); // `#` also matches the parent level [MQTT-4.7.1-2]
    }
    if (i === levels.length) {
      this.emit(n, v);
      return;
    }
    const exact = n.children.get(levels[i]!);
    if (exact) this.matchNode(exact, levels, i + 1, v, dollar);
    if (wild) {
      const plus = n.children.get('+');
      if (plus) this.matchNode(plus, levels, i + 1, v, dollar);
    }
  }

  private emit(n: TrieNode<S>, v: MatchVisitor<S>): void {
    if (n.subs.size) for (const [id, s] of n.subs) v.sub(id, s);
    if (n.shared.size) for (const g of n.shared.values()) v.shared(g);
  }
}
