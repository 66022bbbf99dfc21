/**
 * The S3 store's GET paths side by side on the same MinIO: the AWS SDK (`s3FastGet=false`) vs the lean
 * undici + SigV4 path (src/store/s3-fast.ts, the default), same objects, same concurrency. Prints objects/s,
 * MiB/s and the CPU this process spent per GET, with ratios. Alternates the two paths `--repeat` times.
 *
 *   node bench/run.js s3-get [--objects=2000] [--size=65536] [--concurrency=16] [--repeat=3]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Store } from '../src/store/s3.js';
import { benchS3 } from './_s3.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const N = Number(args.get('objects') ?? 2000);
const SIZE = Number(args.get('size') ?? 64 * 1024);
const CONC = Number(args.get('concurrency') ?? 16);
const REPEAT = Number(args.get('repeat') ?? 3);

interface Cell {
  objPerSec: number;
  cpuMsPerGet: number;
}

async function run(store: S3Store, keys: string[]): Promise<Cell> {
  let next = 0;
  let bytes = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < keys.length) {
        const k = keys[next++]!;
        const n = (await store.get(k)).body.length;
        bytes += n;
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (bytes !== keys.length * SIZE) throw new Error(`read ${bytes} bytes, expected ${keys.length * SIZE}`);
  return { objPerSec: (keys.length / ms) * 1000, cpuMsPerGet: (cpu.user + cpu.system) / 1000 / keys.length };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-s3get-'));
  const { cfg, minio } = await benchS3(dir);
  const prefix = `s3get/${randomBytes(4).toString('hex')}`;
  const sdk = new S3Store({ ...cfg, prefix, fastGet: false });
  const fast = new S3Store({ ...cfg, prefix });
  try {
    const body = randomBytes(SIZE);
    const keys = Array.from({ length: N }, (_, i) => `o/${String(i).padStart(8, '0')}`);
    for (let i = 0; i < N; i += 32) await Promise.all(keys.slice(i, i + 32).map((k) => sdk.put(k, body)));
    await run(fast, keys.slice(0, Math.min(200, N))); // warm both pools
    await run(sdk, keys.slice(0, Math.min(200, N)));
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`${N} GETs of ${SIZE} B, concurrency ${CONC}, ${REPEAT} alternating rounds, MinIO at ${cfg.endpoint}\n`);
    console.log('| round | path | objects/s | MiB/s | CPU ms per GET (this process) |');
    console.log('| --- | --- | --- | --- | --- |');
    const sums = { sdk: { o: 0, c: 0 }, fast: { o: 0, c: 0 } };
    for (let r = 1; r <= REPEAT; r++) {
      for (const [name, store] of [['sdk', sdk], ['fast', fast]] as const) {
        const c = await run(store, keys);
        sums[name].o += c.objPerSec;
        sums[name].c += c.cpuMsPerGet;
        console.log(`| ${r} | ${name === 'sdk' ? 'AWS SDK' : 'undici + SigV4'} | ${c.objPerSec.toFixed(0)} | ${((c.objPerSec * SIZE) / 1048576).toFixed(1)} | ${c.cpuMsPerGet.toFixed(3)} |`);
      }
    }
    console.log(`\nfast / SDK: throughput ${(sums.fast.o / sums.sdk.o).toFixed(2)}×, CPU per GET ${(sums.fast.c / sums.sdk.c).toFixed(2)}× (mean of ${REPEAT} rounds)`);
  } finally {
    await sdk.close();
    await fast.close();
    await minio?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
