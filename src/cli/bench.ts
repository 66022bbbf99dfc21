/**
 * `strata bench [<name> [args...]]`: shortcut for `node bench/run.js <name> [args...]` (bench/ has its own
 * package.json; run `npm --prefix bench ci` once). Without a name it lists the benchmarks. Exit code: the
 * benchmark's own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT, type Io } from './common.js';

export const BENCH_USAGE = `Usage: strata bench [<name> [args...]]   (runs node bench/run.js; no name lists the benchmarks)
`;

/** bench/run.js of the checkout this CLI runs from (src/cli or dist/src/cli). */
export function benchRunner(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'bench', 'run.js');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function runBenchCommand(argv: string[], io: Io): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    io.out(BENCH_USAGE);
    return EXIT.OK;
  }
  const runner = benchRunner();
  if (!runner) throw new CliError(EXIT.USAGE, 'bench/run.js not found: strata bench runs from a source checkout only');
  const child = spawn(process.execPath, [runner, ...argv], { stdio: 'inherit' });
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
