/**
 * `strata groups list|describe`: consumer groups of a namespace with their committed offsets and lag
 * (GET /v1/namespaces/:ns/groups[/:group], src/protocol/http/admin.ts). Lag = high watermark − committed offset.
 */
import type { GroupLag } from '../metrics/consumer-lag.js';
import { AdminClient, seg } from './client.js';
import { EXIT, expectPositional, namespaceOf, parseArgs, runSubcommand, usageError, type Io } from './common.js';
import { json, table } from './output.js';

export const GROUPS_USAGE = `Usage: strata groups list [--namespace <ns>]
       strata groups describe <group> [--namespace <ns>]
Common: --url <broker> (env STRATA_URL), --namespace|-n <ns> (env STRATA_NAMESPACE, default "default"), --json
`;

interface GroupSummary {
  name: string;
  partitions: number;
  topics: string[];
  totalLag: number;
}

async function list(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 0, 'strata groups list takes no group');
  const ns = namespaceOf(p.flags);
  const { groups } = await AdminClient.from(p.flags).get<{ groups: GroupSummary[] }>(`/v1/namespaces/${seg(ns)}/groups`);
  if (p.flags.json) json(io, { namespace: ns, groups });
  else io.out(table(['GROUP', 'TOPICS', 'PARTITIONS', 'LAG'], groups.map((g) => [g.name, g.topics.join(',') || '-', g.partitions, g.totalLag])));
  return EXIT.OK;
}

async function describe(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 1, 'one group');
  const group = p.positional[0];
  if (!group) throw usageError('missing the group name');
  const ns = namespaceOf(p.flags);
  const lag = await AdminClient.from(p.flags).get<GroupLag>(`/v1/namespaces/${seg(ns)}/groups/${seg(group)}`);
  if (p.flags.json) {
    json(io, lag);
    return EXIT.OK;
  }
  io.out(`group ${lag.namespace}/${lag.group}: ${lag.partitions.length} partitions, total lag ${lag.totalLag}\n\n`);
  io.out(
    table(
      ['TOPIC', 'PARTITION', 'COMMITTED_OFFSET', 'HIGH_WATERMARK', 'LAG'],
      lag.partitions.map((x) => [x.topic, x.partition, x.committedOffset < 0 ? null : x.committedOffset, x.highWatermark < 0 ? null : x.highWatermark, x.lag]),
    ),
  );
  return EXIT.OK;
}

export function runGroupsCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { list, ls: list, describe, show: describe });
}
