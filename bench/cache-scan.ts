/**
 * Tiered cache, sequential scan: --gib (default 1) GiB in 8 MiB objects on MinIO, read front to back.
 *
 *   node bench/run.js cache-scan [--gib=1] [--latencies=0,50] [--concurrency=16] [--repeat=3] [--only=raw,cold]
 *
 * Per injected GET latency (FaultStore): raw ranged GETs at concurrency 1 and N, the cache with prefetch off,
 * prefetch on (pattern detection only), prefetch on + hints (the reader hints the object order, as a log
 * reader does). Then at 0 ms: cold through the cache (memory, memory+SSD) vs raw GETs, warm SSD and warm memory
 * vs raw GETs. The reader asks for 1 MiB at a time; blocks are 4 MiB (default). Each case also reports the CPU
 * seconds per GiB of this process (MinIO's not included): on a shared machine that moves less than MiB/s.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TieredCache, type BlockSource, type ObjectRef } from '../cache/index.js';
import { MiB, args, fmt, loadAvg, machine, rawGets, rawRanges, setupEnv, timed, upload, wastedShare, type Timed } from './_cache-common.js';

const GIB = Number(args.get('gib') ?? 1);
const LATENCIES = (args.get('latencies') ?? '0,50').split(',').map(Number);
const CONC = Number(args.get('concurrency') ?? 16);
const REPEAT = Number(args.get('repeat') ?? 3);
/** --only=a,b: run only the cases whose name contains one of these strings (warm SSD needs its cold case). */
const ONLY = (args.get('only') ?? '').split(',').filter(Boolean);
const OBJ = 8 * MiB;
const READ = 1 * MiB;
const BS = 4 * MiB;

async function scan(cache: TieredCache, refs: ObjectRef[], stream?: string, copy = false): Promise<void> {
  for (const obj of refs) {
    for (let off = 0; off < obj.size; off += READ) {
      const b = await cache.read(obj, off, Math.min(READ, obj.size - off), { stream });
      if ((copy ? Buffer.from(b) : b).length === 0) throw new Error('empty read');
    }
  }
}

/** The same scan through readLease: each 1 MiB is released once looked at, so evicted blocks' buffers are reused. */
async function scanLeased(cache: TieredCache, refs: ObjectRef[], stream?: string): Promise<void> {
  for (const obj of refs) {
    for (let off = 0; off < obj.size; off += READ) {
      const lease = await cache.readLease(obj, off, Math.min(READ, obj.size - off), { stream });
      if (lease.parts[0]!.length === 0) throw new Error('empty read');
      lease.release();
    }
  }
}

interface Row {
  name: string;
  latency: number;
  t: Timed;
  note?: string;
}

interface Case {
  name: string;
  latency: number;
  run: () => Promise<{ t: Timed; note?: string }>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const env = await setupEnv('cache-scan');
  const samples = new Map<string, Row[]>();
  const t0 = Date.now();
  try {
    const count = Math.round((GIB * 1024 * MiB) / OBJ);
    const refs = await upload(env.s3, 'scan', count, OBJ);
    const total = count * OBJ;
    const ranges = rawRanges(refs, BS);
    const cases: Case[] = [];
    for (const latency of LATENCIES) {
      const src: BlockSource = env.withLatency(latency);
      cases.push({ name: 'raw GETs, concurrency 1', latency, run: async () => ({ t: await timed(total, () => rawGets(src, ranges, 1)) }) });
      cases.push({ name: `raw GETs, concurrency ${CONC}`, latency, run: async () => ({ t: await timed(total, () => rawGets(src, ranges, CONC)) }) });
      cases.push({
        name: 'cache, prefetch off',
        latency,
        run: async () => {
          const c = new TieredCache(src, { prefetch: { enabled: false } });
          const t = await timed(total, () => scan(c, refs, 's'));
          await c.close();
          return { t };
        },
      });
      cases.push({
        name: 'cache, prefetch on (pattern only)',
        latency,
        run: async () => {
          const c = new TieredCache(src, { prefetch: { maxWindow: CONC } });
          const t = await timed(total, () => scan(c, refs, 's'));
          const note = `wasted ${fmt(wastedShare(c, total).wastedPct)}%`;
          await c.close();
          return { t, note };
        },
      });
      cases.push({
        name: 'cache, prefetch on + hints',
        latency,
        run: async () => {
          const c = new TieredCache(src, { prefetch: { maxWindow: CONC } });
          const t = await timed(total, async () => {
            c.hint('s', refs.map((obj) => ({ obj, offset: 0, length: obj.size })));
            await scan(c, refs, 's');
          });
          const note = `wasted ${fmt(wastedShare(c, total).wastedPct)}%, window ${c.prefetchWindow('s')}`;
          await c.close();
          return { t, note };
        },
      });
    }
    // Cold and warm, no injected latency. A fresh SSD directory per round.
    const src = env.withLatency(0);
    let round = 0;
    const ssdDir = (): string => join(env.tmp, `ssd-${round}`);
    // Cold: read() (views without end of life: every block is a new buffer) and readLease() (buffers of
    // evicted blocks are reused); with SSD, the default second-miss admission (a one-pass scan writes nothing)
    // and admission 'always' (every block written: the price of a warm SSD after one pass).
    const cold = (name: string, ssd: 'second-miss' | 'always' | undefined, leased: boolean): void => {
      cases.push({
        name,
        latency: 0,
        run: async () => {
          if (ssd === 'always') {
            rmSync(ssdDir(), { recursive: true, force: true }); // the last round's (env.close removes the last)
            round++;
          }
          const c = new TieredCache(src, { prefetch: { enabled: false }, memoryBytes: 64 * MiB, ...(ssd ? { ssd: { dir: ssd === 'always' ? ssdDir() : join(env.tmp, 'ssd-second-miss'), bytes: total + 64 * MiB, maxPendingWrites: 64, admission: ssd } } : {}) });
          const t = await timed(total, () => (leased ? scanLeased(c, refs) : scan(c, refs)));
          const s = c.stats();
          await c.close();
          if (ssd === 'second-miss') rmSync(join(env.tmp, 'ssd-second-miss'), { recursive: true, force: true });
          return { t, note: `buffers reused ${s.buffers.reused}, allocated ${s.buffers.allocated}${ssd ? `; SSD blocks written ${s.blocks.ssd}` : ''}` };
        },
      });
    };
    cold('cold, memory only, read()', undefined, false);
    cold('cold, memory only, leases', undefined, true);
    cold('cold, memory+SSD (default admission), leases', 'second-miss', true);
    cold('cold, memory+SSD (admission always), leases', 'always', true);
    // Warm SSD: the blocks the 'always' case wrote, read back with a 64 MiB memory tier; read() (every block a
    // new buffer), leases (recycled buffers), and leases with the prefetcher reading SSD blocks ahead.
    const warm = [
      { name: 'warm SSD, prefetch off, read()', leased: false, prefetch: false },
      { name: 'warm SSD, prefetch off, leases', leased: true, prefetch: false },
      { name: 'warm SSD, prefetch + hints, leases', leased: true, prefetch: true },
    ];
    for (const w of warm) {
      cases.push({
        name: w.name,
        latency: 0,
        run: async () => {
          const c = new TieredCache(src, { prefetch: w.prefetch ? { maxWindow: CONC } : { enabled: false }, memoryBytes: 64 * MiB, ssd: { dir: ssdDir(), bytes: total + 64 * MiB, admission: 'always' } });
          await c.ready();
          const t = await timed(total, async () => {
            // the reader hints the object order, as a log reader does
            if (w.prefetch) c.hint('s', refs.map((obj) => ({ obj, offset: 0, length: obj.size })));
            await (w.leased ? scanLeased(c, refs, 's') : scan(c, refs, 's'));
          });
          const s = c.stats();
          await c.close();
          return { t, note: `ssd hits ${s.hits.ssd}, GETs ${s.gets}, buffers reused ${s.buffers.reused}, allocated ${s.buffers.allocated}${w.prefetch ? `, wasted ${fmt(wastedShare(c, total).wastedPct)}%` : ''}` };
        },
      });
    }
    for (const copy of [false, true]) {
      cases.push({
        name: copy ? 'warm memory, reader copies each read' : 'warm memory (zero-copy reads)',
        latency: 0,
        run: async () => {
          const c = new TieredCache(src, { prefetch: { enabled: false }, memoryBytes: total + 64 * MiB });
          await scan(c, refs);
          const before = c.stats().gets;
          const t = await timed(total, () => scan(c, refs, undefined, copy));
          const note = `GETs during the timed pass ${c.stats().gets - before}`;
          await c.close();
          return { t, note };
        },
      });
    }
    const selected = ONLY.length ? cases.filter((c) => ONLY.some((o) => c.name.includes(o))) : cases;
    for (let r = 0; r < REPEAT; r++) {
      for (const c of selected) {
        const { t, note } = await c.run();
        const id = `${c.latency}|${c.name}`;
        if (!samples.has(id)) samples.set(id, []);
        samples.get(id)!.push({ name: c.name, latency: c.latency, t, note });
        process.stderr.write(`  round ${r + 1}  ${String(c.latency).padStart(3)} ms  ${c.name.padEnd(40)} ${fmt(t.mibPerSec).padStart(9)} MiB/s  cpu ${fmt(t.cpuSecPerGiB, 2)} s/GiB ${note ?? ''}\n`);
      }
    }
  } finally {
    await env.close();
  }
  const rows = [...samples.values()].map((rs) => ({ ...rs[rs.length - 1]!, mibs: rs.map((r) => r.t.mibPerSec), cpu: median(rs.map((r) => r.t.cpuSecPerGiB)) }));
  const get = (name: string, latency: number): number => median(rows.find((r) => r.name === name && r.latency === latency)?.mibs ?? [NaN]);
  /** Median over rounds of a/b within the same round (the two ran back to back, so they met the same load). */
  const paired = (a: string, b: string): string => {
    const xa = rows.find((r) => r.name === a && r.latency === 0)?.mibs ?? [];
    const xb = rows.find((r) => r.name === b && r.latency === 0)?.mibs ?? [];
    const rs = xa.map((x, i) => x / xb[i]!).filter(Number.isFinite);
    return rs.length ? `${fmt(median(rs), 2)}× (rounds ${rs.map((x) => fmt(x, 2)).join(', ')})` : '-';
  };
  const lines = [
    `Machine: ${machine()}; load average at the end ${loadAvg()}`,
    `Run: node bench/run.js cache-scan --gib=${GIB} --latencies=${LATENCIES.join(',')} --concurrency=${CONC} --repeat=${REPEAT} (${((Date.now() - t0) / 1000).toFixed(0)} s; MinIO single drive on the same disk, loopback; ${GIB} GiB in 8 MiB objects, 4 MiB blocks, 1 MiB reads)`,
    '',
    `Figures: median MiB/s of ${REPEAT} round(s); the cases run interleaved, round after round, so load changes hit them alike.`,
    '',
    '| latency | reader | median MiB/s | all rounds | CPU s/GiB (median; this process) | note (last round) |',
    '| ---: | --- | ---: | --- | ---: | --- |',
    ...rows.map((r) => `| ${r.latency} ms | ${r.name} | ${fmt(median(r.mibs))} | ${r.mibs.map((x) => fmt(x, 0)).join(', ')} | ${fmt(r.cpu, 2)} | ${r.note ?? ''} |`),
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
  const ratio = (label: string, name: string): void => {
    lines.push(`| ${label} / raw GETs c=1 | ${fmt(get(name, 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
    lines.push(`| ${label} / raw GETs c=1, per round | ${paired(name, 'raw GETs, concurrency 1')} |`);
  };
  ratio('cold, memory only (64 MiB), read()', 'cold, memory only, read()');
  ratio('cold, memory only, leases', 'cold, memory only, leases');
  ratio('cold, memory+SSD, default admission, leases (overhead goal ≤ 10%)', 'cold, memory+SSD (default admission), leases');
  ratio('cold, memory+SSD, admission always, leases (fills SSD)', 'cold, memory+SSD (admission always), leases');
  for (const w of ['warm SSD, prefetch off, read()', 'warm SSD, prefetch off, leases', 'warm SSD, prefetch + hints, leases']) ratio(`${w} (goal ≥ 3×)`, w);
  lines.push(`| warm memory, reader copies / raw GETs c=1 | ${fmt(get('warm memory, reader copies each read', 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
  lines.push(`| warm memory / raw GETs c=1 (goal ≥ 10×) | ${fmt(get('warm memory (zero-copy reads)', 0) / get('raw GETs, concurrency 1', 0), 2)}× |`);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
