/** `strata namespaces list`: the namespaces (tenants) that hold topics, with their topic counts (GET /v1/namespaces). */
import { AdminClient } from './client.js';
import { EXIT, expectPositional, parseArgs, usageError, type Io } from './common.js';
import { json, table } from './output.js';

export const NAMESPACES_USAGE = `Usage: strata namespaces list [--url <broker>] [--json]
`;

export async function runNamespacesCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'ls') throw usageError(sub === undefined ? 'missing a subcommand' : `unknown subcommand "${sub}"`);
  const p = parseArgs(rest, {});
  expectPositional(p, 0, 'strata namespaces list takes no argument');
  const { namespaces } = await AdminClient.from(p.flags).get<{ namespaces: Array<{ name: string; topics: number }> }>('/v1/namespaces');
  if (p.flags.json) json(io, { namespaces });
  else io.out(table(['NAMESPACE', 'TOPICS'], namespaces.map((n) => [n.name, n.topics])));
  return EXIT.OK;
}
