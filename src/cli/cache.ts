/** `strata cache stats`: the running node's tiered-cache statistics (GET /v1/cache/stats). */
import type { CacheStats } from '../../cache/index.js';
import { AdminClient } from './client.js';
import { EXIT, expectPositional, parseArgs, runSubcommand, type Io } from './common.js';
import { bytes, json, table } from './output.js';

export const CACHE_USAGE = `Usage: strata cache stats [--url <broker>] [--json]
`;

function ratio(n: number, d: number): string {
  return d > 0 ? `${((100 * n) / d).toFixed(1)}%` : '-';
}

export function cacheReport(s: CacheStats): string {
  const lookups = s.hits.memory + s.hits.ssd + s.misses;
  const tiers = table(
    ['TIER', 'HITS', 'HIT_RATIO', 'BLOCKS', 'BYTES', 'EVICTIONS'],
    [
      ['memory', s.hits.memory, ratio(s.hits.memory, lookups), s.blocks.memory, bytes(s.bytes.memory), s.evictions.memory],
      ['ssd', s.hits.ssd, ratio(s.hits.ssd, lookups), s.blocks.ssd, bytes(s.bytes.ssd), s.evictions.ssd],
      ['object store (miss)', s.misses, ratio(s.misses, lookups), null, null, null],
    ],
  );
  const pf = s.prefetch;
  const lines = [
    `object-store GETs: ${s.gets} (${bytes(s.getBytes)}); in flight: ${s.inflight.blocks} blocks (${bytes(s.inflight.bytes)})`,
    `prefetch: issued ${pf.issued}, used ${pf.used}, wasted ${pf.wasted} (${ratio(pf.wasted, pf.issued)}), late ${pf.late}, unread ${bytes(pf.unreadBytes)}`,
    `ssd errors: write ${s.ssd.writeErrors}, read ${s.ssd.readErrors}, corrupt ${s.ssd.corrupt}, writes skipped ${s.ssd.writesSkipped}`,
    `ssd admission: not admitted ${s.ssd.notAdmitted} (second-miss), unread writes moved from memory ${s.ssd.unreadPutsKept}`,
  ];
  return tiers + '\n' + lines.join('\n') + '\n';
}

async function stats(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 0, 'strata cache stats takes no argument');
  const body = await AdminClient.from(p.flags).get<{ cache: string; stats: CacheStats }>('/v1/cache/stats');
  if (p.flags.json) json(io, body);
  else io.out(cacheReport(body.stats));
  return EXIT.OK;
}

export function runCacheCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { stats });
}
