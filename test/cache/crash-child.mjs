// Crash-test child: reads generated objects k0, k1, … through a TieredCache with an SSD tier as fast as it
// can, so SSD block writes (and evictions) are always in progress when the parent SIGKILLs it.
// argv: <dir of transpiled cache/index.js> <dir of transpiled test/cache/support.js> <ssd dir> <first key index>
import { setTimeout as sleep } from 'node:timers/promises';
const [cacheDir, supportDir, ssdDir, firstArg] = process.argv.slice(2);
const { TieredCache } = await import(`${cacheDir}/index.js`);
const { GeneratedSource } = await import(`${supportDir}/support.js`);
const BS = 256 * 1024;
const SIZE = 2 * BS - 100;
const generated = new GeneratedSource(SIZE);
// A store a little slower than the disk (2 ms per GET), as in life: SSD writes keep up instead of being skipped.
const source = { get: async (key, opts) => (await sleep(2), generated.get(key, opts)), head: (key) => generated.head(key) };
// admission 'always': every block is written to SSD (the default second-miss admission would write none of
// these read-once keys, and nothing would be in progress when the parent kills this process)
const cache = new TieredCache(source, { blockSize: BS, memoryBytes: 4 * BS, ssd: { dir: ssdDir, bytes: 16 * 1024 * 1024, maxPendingWrites: 64, admission: 'always' } });
await cache.ready();
process.stdout.write('ready\n');
for (let i = Number(firstArg); ; i++) {
  process.stdout.write(`k${i}\n`);
  await cache.read({ key: `k${i}`, etag: 'v1', size: SIZE }, 0, SIZE);
  if (i % 8 === 0) await new Promise((r) => setImmediate(r));
}
