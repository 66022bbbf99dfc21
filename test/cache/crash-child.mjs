// Crash-test child: reads generated objects k0, k1, … through a TieredCache with an SSD tier as fast as it
// can, so SSD block writes (and evictions) are always in progress when the parent SIGKILLs it.
// argv: <dir of transpiled cache/index.js> <dir of transpiled test/cache/support.js> <ssd dir> <first key index>
const [cacheDir, supportDir, ssdDir, firstArg] = process.argv.slice(2);
const { TieredCache } = await import(`${cacheDir}/index.js`);
const { GeneratedSource } = await import(`${supportDir}/support.js`);
const BS = 256 * 1024;
const SIZE = 2 * BS - 100;
const source = new GeneratedSource(SIZE);
const cache = new TieredCache(source, { blockSize: BS, memoryBytes: 4 * BS, ssd: { dir: ssdDir, bytes: 16 * 1024 * 1024, maxPendingWrites: 64 } });
await cache.ready();
process.stdout.write('ready\n');
for (let i = Number(firstArg); ; i++) {
  process.stdout.write(`k${i}\n`);
  await cache.read({ key: `k${i}`, etag: 'v1', size: SIZE }, 0, SIZE);
  if (i % 8 === 0) await new Promise((r) => setImmediate(r));
}
