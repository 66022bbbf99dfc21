/**
 * The ceiling of a broker that acknowledges a produce only once its data is in the object store, on this
 * machine: closed-loop PUTs to a private MinIO with a fixed amount of data in flight, the way a Kafka producer
 * keeps a fixed window (max.in.flight.requests.per.connection × batch.size; 5 × 256 KiB = 1.25 MiB per
 * partition with the Kafka bench's settings). No broker, no producer: only the store round trips that any such
 * broker needs, so their MB/s is an upper bound for its produce throughput with that window. Also reports MinIO's
 * CPU per MB written (from /proc), the cost that shares the cores with the broker and the producer.
 *
 *   node bench/run.js put-window [--seconds=6] [--windows=1x1280,5x256,2x1024,4x1280,8x1024]
 *
 * A window `NxK` keeps N PUTs of K KiB in flight (each starts when one finishes).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { S3Store } from '../src/store/s3.js';
import { benchS3 } from './_s3.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const SECONDS = Number(args.get('seconds') ?? 6);
const WINDOWS = (args.get('windows') ?? '1x1280,5x256,2x1024,4x1280,8x1024').split(',').map((w) => {
  const [n, kib] = w.split('x').map(Number);
  return { n: n!, bytes: kib! * 1024, label: w };
});

/** CPU seconds (user + system) of a process so far, from /proc (Linux); undefined elsewhere. */
function cpuOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

function minioPid(port: number): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-f', `minio server .*127.0.0.1:${port}`], { encoding: 'utf8' }).trim().split('\n')[0];
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

const root = mkdtempSync(join(tmpdir(), 'strata-put-window-'));
const { cfg, minio } = await benchS3(join(root, 'minio'));
const store = new S3Store(cfg);
const pid = minio ? minioPid(minio.port) : undefined;
const rows: string[] = [];
try {
  let seq = 0;
  for (const w of WINDOWS) {
    const body = Buffer.alloc(w.bytes, 7);
    // warm-up, then the timed closed loop
    await Promise.all(Array.from({ length: w.n }, () => store.put(`warm/${seq++}`, body, { ifNoneMatch: '*' })));
    const latencies: number[] = [];
    const cpu0 = cpuOf(pid);
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    let bytes = 0;
    await Promise.all(
      Array.from({ length: w.n }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await store.put(`wal/${seq++}`, body, { ifNoneMatch: '*', contentType: 'application/octet-stream' });
          latencies.push(performance.now() - t);
          bytes += body.length;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu1 = cpuOf(pid);
    latencies.sort((a, b) => a - b);
    const mb = bytes / 1e6;
    const minioCpu = cpu0 !== undefined && cpu1 !== undefined ? `${(((cpu1 - cpu0) * 1000) / mb).toFixed(1)}` : '?';
    rows.push(`| ${w.n} × ${w.bytes / 1024} KiB | ${((w.n * w.bytes) / 2 ** 20).toFixed(2)} MiB | ${(mb / secs).toFixed(1)} | ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} | ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} | ${minioCpu} |`);
  }
} finally {
  await store.close();
  await minio?.stop();
  rmSync(root, { recursive: true, force: true });
}
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`Run: node bench/run.js put-window --seconds=${SECONDS} --windows=${WINDOWS.map((w) => w.label).join(',')} (MinIO ${minio ? 'private, single drive' : cfg.endpoint})`);
console.log('');
console.log('| window (PUTs in flight × size) | bytes in flight | MB/s | PUT p50 ms | PUT p99 ms | MinIO CPU ms per MB |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
