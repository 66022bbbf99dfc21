/**
 * `strata namespaces list|create|describe|delete`: tenants and their quotas (src/protocol/http/tenants.ts,
 * docs/tenants.md). Creating and deleting need an admin credential: --token / STRATA_TOKEN.
 */
import { AdminClient, seg } from './client.js';
import { EXIT, expectPositional, parseArgs, runSubcommand, usageError, type Io, type Parsed } from './common.js';
import { fields, json, table } from './output.js';

export const NAMESPACES_USAGE = `Usage: strata namespaces list
       strata namespaces create <ns> [--max-connections N] [--messages-per-second N] [--bytes-per-second N] [--max-stored-bytes N]
       strata namespaces describe <ns>
       strata namespaces delete <ns> [--force]
create on an existing namespace replaces its quotas (a quota not given is removed).
Common: --url <broker> (env STRATA_URL), --token <admin token> (env STRATA_TOKEN; or STRATA_USER/STRATA_PASSWORD), --json
`;

const QUOTA_FLAGS = { maxConnections: 'int', messagesPerSecond: 'int', bytesPerSecond: 'int', maxStoredBytes: 'int' } as const;

interface NamespaceSummary {
  name: string;
  topics: number;
  registered: boolean;
  quotas?: Record<string, number>;
}

function quotaText(q: Record<string, number> | undefined): string {
  const parts = Object.entries(q ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '-';
}

function one(p: Parsed, what: string): string {
  expectPositional(p, 1, what);
  const ns = p.positional[0];
  if (!ns) throw usageError(`missing the namespace name`);
  return ns;
}

async function list(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 0, 'strata namespaces list takes no argument');
  const { namespaces } = await AdminClient.from(p.flags).get<{ namespaces: NamespaceSummary[] }>('/v1/namespaces');
  if (p.flags.json) json(io, { namespaces });
  else io.out(table(['NAMESPACE', 'TOPICS', 'REGISTERED', 'QUOTAS'], namespaces.map((n) => [n.name, n.topics, n.registered, quotaText(n.quotas)])));
  return EXIT.OK;
}

async function create(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, QUOTA_FLAGS);
  const ns = one(p, 'one namespace');
  const quotas = Object.fromEntries(Object.keys(QUOTA_FLAGS).filter((k) => p.flags[k] !== undefined).map((k) => [k, p.flags[k]]));
  const record = await AdminClient.from(p.flags).request<{ name: string; quotas: Record<string, number> }>('PUT', `/v1/namespaces/${seg(ns)}`, { quotas });
  if (p.flags.json) json(io, record);
  else io.out(`namespace ${record.name} ready (quotas: ${quotaText(record.quotas)})\n`);
  return EXIT.OK;
}

async function describe(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  const ns = one(p, 'one namespace');
  const d = await AdminClient.from(p.flags).get<{ name: string; registered: boolean; quotas: Record<string, number>; usage: Record<string, number> }>(`/v1/namespaces/${seg(ns)}`);
  if (p.flags.json) json(io, d);
  else io.out(fields([['namespace', d.name], ['registered', d.registered], ['quotas', quotaText(d.quotas)], ...Object.entries(d.usage).map(([k, v]): [string, number] => [k, v])]));
  return EXIT.OK;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { force: 'bool' });
  const ns = one(p, 'one namespace');
  await AdminClient.from(p.flags).request('DELETE', `/v1/namespaces/${seg(ns)}${p.flags.force ? '?force=true' : ''}`);
  if (!p.flags.json) io.out(`namespace ${ns} deleted\n`);
  return EXIT.OK;
}

export function runNamespacesCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { list, ls: list, create, describe, show: describe, delete: remove, rm: remove });
}
