/**
 * Tiered cache, sequential scan: --gib (default 1) GiB in 8 MiB objects on MinIO, read front to back.
 *
 *   node bench/run.js cache-scan [--gib=1] [--latencies=0,50] [--concurrency=16]
 *
 * Per injected GET latency (FaultStore): raw ranged GETs at concurrency 1 and N, the cache with prefetch off,
 * prefetch on (pattern detection only), prefetch on + hints (the reader hints the object order, as a log
 * reader does). Then at 0 ms: cold through the cache (memory, memory+SSD) vs raw GETs, warm SSD and warm memory
 * vs raw GETs. The reader asks for 1 MiB at a time; blocks are 4 MiB (default).
 */
import { join } from 'node:path';
import { TieredCache, type BlockSource, type ObjectRef } from '../cache/index.js';
import { MiB, args, fmt, loadAvg, machine, rawGets, rawRanges, setupEnv, timed, upload, wastedShare, type Timed } from './_cache-common.js';

const GIB = Number(args.get('gib') ?? 1);
const LATENCIES = (args.get('latencies') ?? '0,50').split(',').map(Number);
const CONC = Number(args.get('concurrency') ?? 16);
const OBJ = 8 * MiB;
const READ = 1 * MiB;
const BS = 4 * MiB;

async function scan(cache: TieredCache, refs: ObjectRef[], stream?: string): Promise<void> {
  for (const obj of refs) {
    for (let off = 0; off < obj.size; off += READ) {
      const b = await cache.read(obj, off, Math.min(READ, obj.size - off), { stream });
      if (b.length === 0) throw new Error('empty read');
    }
  }
}

interface Row {
  name: string;
  latency: number;
  t: Timed;
  note?: string;
}

async function main(): Promise<void> {
  const env = await setupEnv('cache-scan');
  const rows: Row[] = [];
  const t0 = Date.now();
  const log = (r: Row): void => {
    rows.push(r);
    process.stderr.write(`  ${String(r.latency).padStart(3)} ms  ${r.name.padEnd(44)} ${fmt(r.t.mibPerSec).padStart(8)} MiB/s ${r.note ?? ''}\n`);
  };
  try {
    const count = Math.round((GIB * 1024 * MiB) / OBJ);
    const refs = await upload(env.s3, 'scan', count, OBJ);
    const total = count * OBJ;
    const ranges = rawRanges(refs, BS);
    for (const latency of LATENCIES) {
      const src: BlockSource = env.withLatency(latency);
      log({ name: 'raw GETs, concurrency 1', latency, t: await timed(total, () => rawGets(src, ranges, 1)) });
      log({ name: `raw GETs, concurrency ${CONC}`, latency, t: await timed(total, () => rawGets(src, ranges, CONC)) });
      const off = new TieredCache(src, { prefetch: { enabled: false } });
      log({ name: 'cache, prefetch off', latency, t: await timed(total, () => scan(off, refs, 's')) });
      await off.close();
      const pat = new TieredCache(src, { prefetch: { maxWindow: CONC } });
      const tp = await timed(total, () => scan(pat, refs, 's'));
      log({ name: 'cache, prefetch on (pattern only)', latency, t: tp, note: `wasted ${fmt(wastedShare(pat, total).wastedPct)}%` });
      await pat.close();
      const hinted = new TieredCache(src, { prefetch: { maxWindow: CONC } });
      const th = await timed(total, async () => {
        hinted.hint('s', refs.map((obj) => ({ obj, offset: 0, length: obj.size })));
        await scan(hinted, refs, 's');
      });
      log({ name: 'cache, prefetch on + hints', latency, t: th, note: `wasted ${fmt(wastedShare(hinted, total).wastedPct)}%, window ${hinted.prefetchWindow('s')}` });
      await hinted.close();
    }
    // Cold and warm, no injected latency.
    const src = env.withLatency(0);
    const cold = new TieredCache(src, { prefetch: { enabled: false }, memoryBytes: 64 * MiB, ssd: { dir: join(env.tmp, 'ssd'), bytes: total + 64 * MiB, maxPendingWrites: 64 } });
    log({ name: 'cold, memory+SSD, prefetch off', latency: 0, t: await timed(total, () => scan(cold, refs)) });
    await cold.close();
    const warmSsd = new TieredCache(src, { prefetch: { enabled: false }, memoryBytes: 64 * MiB, ssd: { dir: join(env.tmp, 'ssd'), bytes: total + 64 * MiB } });
    await warmSsd.ready();
    const ts = await timed(total, () => scan(warmSsd, refs));
    const s = warmSsd.stats();
    log({ name: 'warm SSD, prefetch off', latency: 0, t: ts, note: `ssd hits ${s.hits.ssd}, GETs ${s.gets}` });
    await warmSsd.close();
    const mem = new TieredCache(src, { prefetch: { enabled: false }, memoryBytes: total + 64 * MiB });
    await scan(mem, refs);
    const tm = await timed(total, () => scan(mem, refs));
    log({ name: 'warm memory', latency: 0, t: tm, note: `GETs during the timed pass ${mem.stats().gets - count * (OBJ / BS)}` });
    await mem.close();
  } finally {
    await env.close();
  }
  const get = (name: string, latency: number): number => rows.find((r) => r.name === name && r.latency === latency)?.t.mibPerSec ?? NaN;
  const lines = [
    `Machine: ${machine()}; load average at the end ${loadAvg()}`,
    `Run: node bench/run.js cache-scan --gib=${GIB} --latencies=${LATENCIES.join(',')} --concurrency=${CONC} (${((Date.now() - t0) / 1000).toFixed(0)} s; MinIO single drive on the same disk, loopback; ${GIB} GiB in 8 MiB objects, 4 MiB blocks, 1 MiB reads)`,
    '',
    '| latency | reader | MiB/s | s | note |',
    '| ---: | --- | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.latency} ms | ${r.name} | ${fmt(r.t.mibPerSec)} | ${fmt(r.t.seconds, 2)} | ${r.note ?? ''} |`),
    '',
    '| ratio | value |',
    '| --- | ---: |',
  ];
  for (const l of LATENCIES) {
    lines.push(`| ${l} ms: prefetch+hints / prefetch off | ${fmt(get('cache, prefetch on + hints', l) / get('cache, prefetch off', l), 2)}× |`);
    lines.push(`| ${l} ms: prefetch+hints / raw GETs c=${CONC} | ${fmt(get('cache, prefetch on + hints', l) / get(`raw GETs, concurrency ${CONC}`, l), 2)}× |`);
    lines.push(`| ${l} ms: prefetch off / raw GETs c=1 | ${fmt(get('cache, prefetch off', l) / get('raw GETs, concurrency 1', l), 2)}× |`);
  }
  if (LATENCIES.includes(0) && LATENCIES.includes(50)) {
    lines.push(`| prefetch+hints at 50 ms / at 0 ms (goal ≥ 0.80) | ${fmt(get('cache, prefetch on + hints', 50) / get('cache, prefetch on + hints', 0), 2)} |`);
    lines.push(`| pattern-only prefetch at 50 ms / at 0 ms | ${fmt(get('cache, prefetch on (pattern only)', 50) / get('cache, prefetch on (pattern only)', 0), 2)} |`);
  }
  lines.push(`| cold memory+SSD / raw GETs c=1 (overhead goal ≤ 10%) | ${fmt(get('cold, memory+SSD, prefetch off', 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
  lines.push(`| warm SSD / raw GETs c=1 (goal ≥ 3×) | ${fmt(get('warm SSD, prefetch off', 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
  lines.push(`| warm memory / raw GETs c=1 (goal ≥ 10×) | ${fmt(get('warm memory', 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
