#!/usr/bin/env node
// Benchmark dispatcher: `node bench/run.js <name> [args…]` runs bench/<name>.ts through bench's own tsx;
// with no name it lists the benchmarks. Install bench deps first: `npm --prefix bench ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (!name) {
  console.log('usage: node bench/run.js <name> [args…]\n\nbenchmarks:');
  for (const n of names) console.log(`  ${n}`);
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`unknown benchmark "${name}"; one of: ${names.join(', ')}`);
  process.exit(2);
}
const tsx = join(here, 'node_modules', '.bin', 'tsx');
if (!existsSync(tsx)) {
  console.error('bench dependencies are missing: run `npm --prefix bench ci` (or `npm run bench`, which does it)');
  process.exit(2);
}
const r = spawnSync(tsx, [join(here, `${name}.ts`), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
