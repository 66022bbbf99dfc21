/**
 * `strata mounts list|describe|delete` over the mount admin API (src/protocol/http/mounts.ts);
 * `strata mounts create ...` is `strata mount ...` (src/broker/mounts/cli.ts), delegated as is.
 */
import type { MountStatus } from '../broker/mounts/types.js';
import { AdminClient, seg } from './client.js';
import { EXIT, expectPositional, namespaceOf, parseArgs, runSubcommand, topicRef, type Io } from './common.js';
import { fields, json, ProgressBar, table } from './output.js';

export const MOUNTS_USAGE = `Usage: strata mounts list [--namespace <ns>]
       strata mounts describe <[ns/]topic> [--wait]   (--wait: progress bar until every object is indexed)
       strata mounts delete <[ns/]topic>              (the source bucket is never touched)
       strata mounts create <s3://bucket/prefix | file:///dir> --topic <ns>/<name> [--format ...]  (= strata mount)
Common: --url <broker> (env STRATA_URL), --namespace|-n <ns> (env STRATA_NAMESPACE, default "default"), --json
`;

const path = (ns: string, topic?: string): string => `/v1/namespaces/${seg(ns)}/mounts${topic === undefined ? '' : `/${seg(topic)}`}`;

function indexing(s: MountStatus): boolean {
  return s.progress.listing || s.progress.objectsIndexed < s.progress.objectsTotal;
}

async function list(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 0, 'strata mounts list takes no argument');
  const ns = namespaceOf(p.flags);
  const { mounts } = await AdminClient.from(p.flags).get<{ mounts: MountStatus[] }>(path(ns));
  if (p.flags.json) json(io, { namespace: ns, mounts });
  else
    io.out(
      table(
        ['TOPIC', 'SOURCE', 'FORMAT', 'RECORDS', 'OBJECTS', 'STATE'],
        mounts.map((m) => [m.topic, m.source, m.format, m.highWatermark, `${m.progress.objectsIndexed}/${m.progress.objectsTotal}`, m.progress.lastError ? `error: ${m.progress.lastError}` : indexing(m) ? 'indexing' : 'ready']),
      ),
    );
  return EXIT.OK;
}

async function describe(argv: string[], io: Io, pollMs = 250): Promise<number> {
  const p = parseArgs(argv, { wait: 'bool' });
  expectPositional(p, 1, 'one mount');
  const { ns, name } = topicRef(p.positional[0], p.flags);
  const client = AdminClient.from(p.flags);
  let s = await client.get<MountStatus>(path(ns, name));
  if (p.flags.wait) {
    const bar = new ProgressBar(io, 'indexing');
    try {
      while (indexing(s)) {
        bar.update(s.progress.objectsIndexed, s.progress.objectsTotal, `objects, ${s.highWatermark} records`);
        await new Promise((r) => setTimeout(r, pollMs));
        s = await client.get<MountStatus>(path(ns, name));
      }
      bar.update(s.progress.objectsIndexed, s.progress.objectsTotal, `objects, ${s.highWatermark} records`);
    } finally {
      bar.done();
    }
  }
  if (p.flags.json) {
    json(io, s);
    return EXIT.OK;
  }
  io.out(
    fields([
      ['topic', `${s.namespace}/${s.topic}`],
      ['source', s.source],
      ['format', s.format],
      ['records', s.highWatermark],
      ['objects', `${s.progress.objectsIndexed} indexed / ${s.progress.objectsTotal} discovered${s.progress.listing ? ' (listing)' : ''}`],
      ['last error', s.progress.lastError ?? null],
    ]),
  );
  return EXIT.OK;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 1, 'one mount');
  const { ns, name } = topicRef(p.positional[0], p.flags);
  await AdminClient.from(p.flags).request('DELETE', path(ns, name));
  if (p.flags.json) json(io, { namespace: ns, topic: name, deleted: true });
  else io.out(`deleted mount ${ns}/${name}\n`);
  return EXIT.OK;
}

async function create(argv: string[], io: Io): Promise<number> {
  const { runMountCommand } = await import('../broker/mounts/cli.js');
  return runMountCommand(argv, io);
}

export function runMountsCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { list, ls: list, describe, show: describe, delete: remove, rm: remove, create });
}
