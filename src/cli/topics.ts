/**
 * `strata topics list|create|describe|delete` over the topic admin API (src/protocol/http/topics.ts).
 *   list     [--namespace <ns>] [--all]                  one row per topic (partitions, records, size of offsets)
 *   create   <[ns/]topic>... [--partitions N] [--retention-ms N|-1] [--retention-bytes N|-1] [--max-message-bytes N] [--if-not-exists]
 *   describe <[ns/]topic>                               config + per-partition log start offset and high watermark
 *   delete   <[ns/]topic>... [--if-exists]              deletes the topic and its data
 */
import type { TopicConfig, TopicInfo } from '../log/types.js';
import { AdminClient, seg } from './client.js';
import { CliError, EXIT, expectPositional, namespaceOf, parseArgs, runSubcommand, topicRef, usageError, type Io } from './common.js';
import { fields, json, ProgressBar, table } from './output.js';

export const TOPICS_USAGE = `Usage: strata topics list [--namespace <ns>] [--all]
       strata topics create <[ns/]topic>... [--partitions N] [--retention-ms N|-1] [--retention-bytes N|-1]
                            [--max-message-bytes N] [--if-not-exists]
       strata topics describe <[ns/]topic>
       strata topics delete <[ns/]topic>... [--if-exists]
Common: --url <broker> (env STRATA_URL), --namespace|-n <ns> (env STRATA_NAMESPACE, default "default"), --json
`;

const path = (ns: string, topic?: string): string => `/v1/namespaces/${seg(ns)}/topics${topic === undefined ? '' : `/${seg(topic)}`}`;

function records(t: TopicInfo): number {
  return t.partitions.reduce((n, p) => n + (p.highWatermark - p.logStartOffset), 0);
}

function retention(v: number | null): string {
  return v === null ? 'forever' : String(v);
}

async function list(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { all: 'bool' });
  expectPositional(p, 0, 'strata topics list takes no topic');
  const client = AdminClient.from(p.flags);
  const namespaces = p.flags.all
    ? (await client.get<{ namespaces: Array<{ name: string }> }>('/v1/namespaces')).namespaces.map((n) => n.name)
    : [namespaceOf(p.flags)];
  const topics: TopicInfo[] = [];
  for (const ns of namespaces) topics.push(...(await client.get<{ topics: TopicInfo[] }>(path(ns))).topics);
  topics.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  if (p.flags.json) json(io, { topics });
  else io.out(table(['NAMESPACE', 'TOPIC', 'PARTITIONS', 'RECORDS', 'RETENTION_MS', 'READ_ONLY'], topics.map((t) => [t.namespace, t.name, t.partitions.length, records(t), retention(t.config.retentionMs), t.readOnly ? 'yes' : 'no'])));
  return EXIT.OK;
}

function configOf(flags: Record<string, unknown>): Partial<TopicConfig> {
  const c: Partial<TopicConfig> = {};
  const nonNeg = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || v < 0) throw usageError(`--${name} must be ≥ 0`);
    return v;
  };
  if (flags.partitions !== undefined) {
    if ((flags.partitions as number) < 1) throw usageError('--partitions must be ≥ 1');
    c.partitions = flags.partitions as number;
  }
  if (flags.retentionMs !== undefined) c.retentionMs = flags.retentionMs === -1 ? null : nonNeg('retention-ms', flags.retentionMs);
  if (flags.retentionBytes !== undefined) c.retentionBytes = flags.retentionBytes === -1 ? null : nonNeg('retention-bytes', flags.retentionBytes);
  if (flags.maxMessageBytes !== undefined) c.maxMessageBytes = nonNeg('max-message-bytes', flags.maxMessageBytes);
  return c;
}

/** Runs `op` over several topics with a progress bar; a failure stops the run (exit 1). */
async function each(io: Io, label: string, refs: Array<{ ns: string; name: string }>, op: (r: { ns: string; name: string }) => Promise<unknown>): Promise<unknown[]> {
  const bar = new ProgressBar(io, label, refs.length > 1 && (io.isTty ?? Boolean(process.stderr.isTTY)));
  const out: unknown[] = [];
  try {
    for (const [i, r] of refs.entries()) {
      bar.update(i, refs.length, `${r.ns}/${r.name}`);
      out.push(await op(r));
    }
    bar.update(refs.length, refs.length);
  } finally {
    bar.done();
  }
  return out;
}

async function create(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { partitions: 'int', retentionMs: 'int', retentionBytes: 'int', maxMessageBytes: 'int', ifNotExists: 'bool' });
  if (p.positional.length === 0) throw usageError('missing the topic name ([<namespace>/]<topic>)');
  const refs = p.positional.map((a) => topicRef(a, p.flags));
  const config = configOf(p.flags);
  const client = AdminClient.from(p.flags);
  const created = await each(io, 'creating', refs, async ({ ns, name }) => {
    try {
      return { created: true, topic: await client.request<TopicInfo>('PUT', path(ns, name), config) };
    } catch (err) {
      const code = ((err as CliError).body as { error?: { code?: string } } | undefined)?.error?.code;
      if (p.flags.ifNotExists && code === 'STRATA_ERR_TOPIC_EXISTS') return { created: false, topic: await client.get<TopicInfo>(path(ns, name)) };
      throw err;
    }
  });
  const results = created as Array<{ created: boolean; topic: TopicInfo }>;
  if (p.flags.json) json(io, refs.length === 1 ? results[0]!.topic : { topics: results.map((r) => r.topic) });
  else for (const r of results) io.out(`${r.created ? 'created' : 'exists'} ${r.topic.namespace}/${r.topic.name} (${r.topic.partitions.length} partitions)\n`);
  return EXIT.OK;
}

async function describe(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 1, 'one topic');
  const { ns, name } = topicRef(p.positional[0], p.flags);
  const t = await AdminClient.from(p.flags).get<TopicInfo>(path(ns, name));
  if (p.flags.json) {
    json(io, t);
    return EXIT.OK;
  }
  io.out(
    fields([
      ['topic', `${t.namespace}/${t.name}`],
      ['id', t.id],
      ['created', new Date(t.createdAt).toISOString()],
      ['partitions', t.partitions.length],
      ['retention.ms', retention(t.config.retentionMs)],
      ['retention.bytes', t.config.retentionBytes === null ? 'unbounded' : t.config.retentionBytes],
      ['max.message.bytes', t.config.maxMessageBytes],
      ['read-only', t.readOnly ? 'yes (mounted bucket)' : 'no'],
      ['records', records(t)],
    ]) + '\n',
  );
  io.out(table(['PARTITION', 'LOG_START_OFFSET', 'HIGH_WATERMARK', 'RECORDS'], t.partitions.map((x) => [x.partition, x.logStartOffset, x.highWatermark, x.highWatermark - x.logStartOffset])));
  return EXIT.OK;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { ifExists: 'bool' });
  if (p.positional.length === 0) throw usageError('missing the topic name ([<namespace>/]<topic>)');
  const refs = p.positional.map((a) => topicRef(a, p.flags));
  const client = AdminClient.from(p.flags);
  const results = (await each(io, 'deleting', refs, async ({ ns, name }) => {
    try {
      await client.request('DELETE', path(ns, name));
      return { namespace: ns, topic: name, deleted: true };
    } catch (err) {
      const code = ((err as CliError).body as { error?: { code?: string } } | undefined)?.error?.code;
      if (p.flags.ifExists && code === 'STRATA_ERR_TOPIC_NOT_FOUND') return { namespace: ns, topic: name, deleted: false };
      throw err;
    }
  })) as Array<{ namespace: string; topic: string; deleted: boolean }>;
  if (p.flags.json) json(io, { deleted: results });
  else for (const r of results) io.out(`${r.deleted ? 'deleted' : 'absent'} ${r.namespace}/${r.topic}\n`);
  return EXIT.OK;
}

export function runTopicsCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { list, ls: list, create, describe, show: describe, delete: remove, rm: remove });
}
