/**
 * Retained messages (MQTT 5.0 §3.3.1.3): the last retained message per topic, kept in memory and
 * written through to persistence. A zero-length payload deletes [MQTT-3.3.1-6, MQTT-3.3.1-7].
 * Lookup by filter walks a topic tree so wildcard subscriptions only visit matching branches.
 */
import type { Message } from './types.js';

interface Node {
  children: Map<string, Node>;
  message?: Message;
}

export class RetainedStore {
  private readonly root: Node = { children: new Map() };
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(message: Message): void {
    let n = this.root;
    for (const level of message.topic.split('/')) {
      let c = n.children.get(level);
      if (!c) n.children.set(level, (c = { children: new Map() }));
      n = c;
    }
    if (!n.message) this.count++;
    n.message = message;
  }

  delete(topic: string): boolean {
    const levels = topic.split('/');
    const path: Node[] = [this.root];
    for (const level of levels) {
      const c = path[path.length - 1]!.children.get(level);
      if (!c) return false;
      path.push(c);
    }
    const leaf = path[path.length - 1]!;
    if (!leaf.message) return false;
    leaf.message = undefined;
    this.count--;
    for (let i = levels.length; i > 0; i--) {
      const n = path[i]!;
      if (n.message || n.children.size) break;
      path[i - 1]!.children.delete(levels[i - 1]!);
    }
    return true;
  }

  get(topic: string): Message | undefined {
    let n: Node | undefined = this.root;
    for (const level of topic.split('/')) {
      n = n.children.get(level);
      if (!n) return undefined;
    }
    return n.message;
  }

  /** Retained messages whose topic matches `filter`; expired ones are removed on the way [MQTT-3.3.2-5]. */
  match(filter: string, now = Date.now()): Message[] {
    const out: Message[] = [];
    this.walk(this.root, filter.split('/'), 0, out);
    return out.filter((m) => {
      if (m.expiresAt !== undefined && m.expiresAt <= now) {
        this.delete(m.topic);
        return false;
      }
      return true;
    });
  }

  private walk(n: Node, f: string[], i: number, out: Message[]): void {
    if (i === f.length) {
      if (n.message) out.push(n.message);
      return;
    }
    const level = f[i]!;
    if (level === '#') {
      this.all(n, out, i === 0);
      return;
    }
    if (level === '+') {
      for (const [name, c] of n.children) if (!(i === 0 && name.startsWith('$'))) this.walk(c, f, i + 1, out);
      return;
    }
    const c = n.children.get(level);
    if (c) this.walk(c, f, i + 1, out);
  }

  /** `#` matches this level and everything below; `$`-topics excluded at the first level [MQTT-4.7.2-1]. */
  private all(n: Node, out: Message[], top: boolean): void {
    if (n.message && !top) out.push(n.message);
    for (const [name, c] of n.children) {
      if (top && name.startsWith('$')) continue;
      if (c.message) out.push(c.message);
      for (const cc of c.children.values()) this.collect(cc, out);
    }
  }

  private collect(n: Node, out: Message[]): void {
    if (n.message) out.push(n.message);
    for (const c of n.children.values()) this.collect(c, out);
  }

  *entries(): Generator<Message> {
    const stack: Node[] = [this.root];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.message) yield n.message;
      for (const c of n.children.values()) stack.push(c);
    }
  }
}
