#!/usr/bin/env node
// Entry point of the `strata` command: runs the compiled CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'dist', 'src', 'server', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('strata: not built yet; run `npm run build` (or `npm start`) in ' + root + '\n');
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
