/**
 * Coalesces the session-log appends of one event-loop turn into one persistence call per namespace, so
 * many concurrent QoS 1 publishes become one record batch (and share one WAL flush).
 */
import type { MqttPersistence } from './persistence.js';
import type { Message } from './types.js';

interface Pending {
  message: Message;
  resolve: (offset: number) => void;
  reject: (err: unknown) => void;
}

export class LogAppender {
  private queue = new Map<string, Pending[]>();
  private scheduled = false;

  constructor(private readonly persistence: MqttPersistence) {}

  /** Resolves with the message's log offset once it is durable. */
  append(namespace: string, message: Message): Promise<number> {
    return new Promise((resolve, reject) => {
      let q = this.queue.get(namespace);
      if (!q) this.queue.set(namespace, (q = []));
      q.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queues = this.queue;
    this.queue = new Map();
    for (const [ns, q] of queues) {
      this.persistence.append(ns, q.map((e) => e.message)).then(
        (offsets) => q.forEach((e, i) => e.resolve(offsets[i]!)),
        (err) => q.forEach((e) => e.reject(err)),
      );
    }
  }
}
