/**
 * Tiered cache, access patterns: strided (every 4th block) and random block reads over --mib (default 512) MiB
 * in 64 MiB objects on MinIO, 1 MiB blocks, prefetch on vs off, with 0 ms and 50 ms injected GET latency.
 * Reports throughput and wasted prefetch (blocks prefetched and never read, as a share of bytes read).
 *
 *   node bench/run.js cache-patterns [--mib=512] [--latencies=0,50] [--reads=256]
 */
import { TieredCache, type ObjectRef } from '../cache/index.js';
import { MiB, args, fmt, loadAvg, machine, setupEnv, timed, upload, wastedShare, type Timed } from './_cache-common.js';

const TOTAL_MIB = Number(args.get('mib') ?? 512);
const LATENCIES = (args.get('latencies') ?? '0,50').split(',').map(Number);
const READS = Number(args.get('reads') ?? 256);
const OBJ = 64 * MiB;
const BS = 1 * MiB;
const READ = 64 * 1024;

type Access = { obj: ObjectRef; offset: number };

function strided(refs: ObjectRef[]): Access[] {
  const out: Access[] = [];
  for (const obj of refs) for (let b = 0; b * BS < obj.size; b += 4) out.push({ obj, offset: b * BS });
  return out;
}

function random(refs: ObjectRef[]): Access[] {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const blocks = OBJ / BS;
  return Array.from({ length: READS }, () => ({ obj: refs[Math.floor(rnd() * refs.length)]!, offset: Math.floor(rnd() * blocks) * BS }));
}

async function run(cache: TieredCache, accesses: Access[]): Promise<void> {
  for (const a of accesses) await cache.read(a.obj, a.offset, READ, { stream: 'p' });
}

async function main(): Promise<void> {
  const env = await setupEnv('cache-patterns');
  const rows: Array<{ latency: number; pattern: string; prefetch: string; reads: number; t: Timed; wasted?: string }> = [];
  const t0 = Date.now();
  try {
    const refs = await upload(env.s3, 'patterns', Math.max(1, Math.round((TOTAL_MIB * MiB) / OBJ)), OBJ);
    for (const latency of LATENCIES) {
      const src = env.withLatency(latency);
      for (const [pattern, accesses] of [['strided (every 4th block)', strided(refs)], ['random blocks', random(refs)]] as const) {
        for (const on of [false, true]) {
          const cache = new TieredCache(src, { blockSize: BS, memoryBytes: 128 * MiB, prefetch: { enabled: on } });
          const t = await timed(accesses.length * READ, () => run(cache, accesses));
          const w = on ? wastedShare(cache, accesses.length * BS) : undefined;
          rows.push({ latency, pattern, prefetch: on ? 'on' : 'off', reads: accesses.length, t, wasted: w ? `${w.wastedBlocks} of ${w.issued} issued = ${fmt(w.wastedPct)}% of bytes read` : '' });
          process.stderr.write(`  ${latency} ms ${pattern} prefetch ${on ? 'on ' : 'off'} ${fmt(t.seconds, 2)} s ${rows[rows.length - 1]!.wasted}\n`);
          await cache.close();
        }
      }
    }
  } finally {
    await env.close();
  }
  const secs = (l: number, p: string, pf: string): number => rows.find((r) => r.latency === l && r.pattern === p && r.prefetch === pf)?.t.seconds ?? NaN;
  const lines = [
    `Machine: ${machine()}; load average at the end ${loadAvg()}`,
    `Run: node bench/run.js cache-patterns --mib=${TOTAL_MIB} --latencies=${LATENCIES.join(',')} --reads=${READS} (${((Date.now() - t0) / 1000).toFixed(0)} s; reads of 64 KiB, one per 1 MiB block, 64 MiB objects; strided covers every object, random makes --reads reads)`,
    '',
    '| latency | pattern | prefetch | reads | reads/s | s | speed-up vs off | wasted prefetch |',
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.latency} ms | ${r.pattern} | ${r.prefetch} | ${r.reads} | ${fmt(r.reads / r.t.seconds, 0)} | ${fmt(r.t.seconds, 2)} | ${r.prefetch === 'on' ? `${fmt(secs(r.latency, r.pattern, 'off') / r.t.seconds, 2)}×` : ''} | ${r.wasted ?? ''} |`),
  ];
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
