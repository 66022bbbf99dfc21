/**
 * Namespaces, topics and partitions. Topic metadata lives in the manifest, so every topic change is a
 * fenced manifest update; deleting a topic then deletes its segments (its WAL chunks are dropped by
 * compaction and ignored by recovery, which matches chunks by topic id).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StrataError } from '../errors.js';
import { isValidName, type Keys } from '../store/keys.js';
import { listAll, type ObjectStore } from '../store/types.js';
import { DEFAULT_TOPIC_CONFIG } from './config.js';
import type { TopicEntry } from './manifest.js';
import type { ManifestWriter } from './manifest-writer.js';
import type { PartitionState } from './partition.js';
import { topicRuntime, type TopicRuntime } from './recovery.js';
import type { TopicConfig, TopicInfo } from './types.js';

export function validateTopicConfig(input: Partial<TopicConfig> | undefined): TopicConfig {
  const c = { ...DEFAULT_TOPIC_CONFIG, ...(input ?? {}) };
  const bad = (what: string): never => {
    throw new StrataError('STRATA_ERR_INVALID_REQUEST', `invalid topic config: ${what}`);
  };
  if (!Number.isSafeInteger(c.partitions) || c.partitions < 1 || c.partitions > 10_000) bad('partitions must be an integer from 1 to 10000');
  if (c.retentionMs !== null && (!Number.isSafeInteger(c.retentionMs) || c.retentionMs < 1)) bad('retentionMs must be a positive integer or null');
  if (c.retentionBytes !== null && (!Number.isSafeInteger(c.retentionBytes) || c.retentionBytes < 1)) bad('retentionBytes must be a positive integer or null');
  if (!Number.isSafeInteger(c.maxMessageBytes) || c.maxMessageBytes < 1 || c.maxMessageBytes > 64 * 1024 * 1024) bad('maxMessageBytes must be an integer from 1 to 67108864');
  const known = new Set(Object.keys(DEFAULT_TOPIC_CONFIG));
  for (const k of Object.keys(input ?? {})) if (!known.has(k)) bad(`unknown field ${JSON.stringify(k)}`);
  return { partitions: c.partitions, retentionMs: c.retentionMs, retentionBytes: c.retentionBytes, maxMessageBytes: c.maxMessageBytes };
}

function checkNames(ns: string, name: string): void {
  if (!isValidName(ns)) throw new StrataError('STRATA_ERR_INVALID_NAME', `invalid namespace name ${JSON.stringify(ns)}`);
  if (!isValidName(name)) throw new StrataError('STRATA_ERR_INVALID_NAME', `invalid topic name ${JSON.stringify(name)}`);
}

export class TopicCatalog {
  private readonly byName = new Map<string, TopicRuntime>();
  private readonly ids = new Map<string, TopicRuntime>();

  constructor(
    private readonly mw: ManifestWriter,
    private readonly store: ObjectStore,
    private readonly keys: Keys,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  add(t: TopicRuntime): void {
    this.byName.set(`${t.entry.namespace}/${t.entry.name}`, t);
    this.ids.set(t.entry.id, t);
  }

  byId(id: string): TopicRuntime | undefined {
    return this.ids.get(id);
  }

  idMap(): Map<string, TopicRuntime> {
    return this.ids;
  }

  all(): TopicRuntime[] {
    return [...this.byName.values()];
  }

  get(ns: string, name: string): TopicRuntime {
    const t = this.byName.get(`${ns}/${name}`);
    if (!t) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${name} does not exist`, { details: { namespace: ns, topic: name } });
    return t;
  }

  partition(ns: string, name: string, partition: number): { t: TopicRuntime; p: PartitionState } {
    const t = this.get(ns, name);
    const p = Number.isInteger(partition) ? t.parts[partition] : undefined;
    if (!p) throw new StrataError('STRATA_ERR_PARTITION_NOT_FOUND', `partition ${partition} of ${ns}/${name} does not exist (it has ${t.parts.length})`, { details: { namespace: ns, topic: name, partition } });
    return { t, p };
  }

  async create(ns: string, name: string, input?: Partial<TopicConfig>): Promise<TopicInfo> {
    checkNames(ns, name);
    const config = validateTopicConfig(input);
    const entry: TopicEntry = { id: randomUUID(), namespace: ns, name, config, createdAt: Date.now(), partitions: [] };
    await this.mw.update((d) => {
      if (d.topics.some((t) => t.namespace === ns && t.name === name)) throw new StrataError('STRATA_ERR_TOPIC_EXISTS', `topic ${ns}/${name} already exists`);
      d.topics.push(entry);
    });
    this.add(topicRuntime(structuredClone(entry)));
    this.logger.info({ namespace: ns, topic: name, partitions: config.partitions }, 'topic created');
    return this.info(ns, name)!;
  }

  async delete(ns: string, name: string): Promise<void> {
    checkNames(ns, name);
    const t = this.get(ns, name);
    await this.mw.update((d) => {
      d.topics = d.topics.filter((x) => x.id !== t.entry.id);
    });
    this.byName.delete(`${ns}/${name}`);
    this.ids.delete(t.entry.id);
    for (const p of t.parts) p.wake(true);
    for await (const o of listAll(this.store, { prefix: this.keys.topicPrefix(ns, name) })) await this.store.delete(o.key);
    this.logger.info({ namespace: ns, topic: name }, 'topic deleted');
  }

  async addPartitions(ns: string, name: string, total: number): Promise<TopicInfo> {
    const t = this.get(ns, name);
    if (!Number.isSafeInteger(total) || total < t.parts.length || total > 10_000) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `partition count must be between ${t.parts.length} and 10000`);
    await this.mw.update((d) => {
      const e = d.topics.find((x) => x.id === t.entry.id);
      if (!e) throw new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', `topic ${ns}/${name} does not exist`);
      e.config.partitions = total;
    });
    t.entry.config.partitions = total;
    const grown = topicRuntime(t.entry);
    for (let i = t.parts.length; i < total; i++) t.parts.push(grown.parts[i]!);
    return this.info(ns, name)!;
  }

  info(ns: string, name: string): TopicInfo | undefined {
    const t = this.byName.get(`${ns}/${name}`);
    if (!t) return undefined;
    const e = t.entry;
    return {
      namespace: e.namespace,
      name: e.name,
      id: e.id,
      config: { ...e.config },
      createdAt: e.createdAt,
      partitions: t.parts.map((p) => ({ partition: p.partition, logStartOffset: p.logStartOffset, highWatermark: p.highWatermark })),
    };
  }

  list(ns?: string): TopicInfo[] {
    return this.all()
      .filter((t) => ns === undefined || t.entry.namespace === ns)
      .map((t) => this.info(t.entry.namespace, t.entry.name)!)
      .sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  }

  namespaces(): string[] {
    return [...new Set(this.all().map((t) => t.entry.namespace))].sort();
  }

  wakeAll(): void {
    for (const t of this.all()) for (const p of t.parts) p.wake(true);
  }
}
