/**
 * The admin CLI: `strata topics|groups|namespaces|credentials|cache|mounts|bench ...` (src/server/cli.ts dispatches here).
 * Every command is a small module; errors end as one line on stderr and an exit code (common.ts EXIT):
 * 0 ok, 1 the broker answered an error, 2 usage error, 3 cannot connect.
 */
import { CliError, EXIT, type Io } from './common.js';

interface AdminCommand {
  usage: () => Promise<string>;
  run: (argv: string[], io: Io) => Promise<number>;
}

export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  topics: { usage: async () => (await import('./topics.js')).TOPICS_USAGE, run: async (a, io) => (await import('./topics.js')).runTopicsCommand(a, io) },
  groups: { usage: async () => (await import('./groups.js')).GROUPS_USAGE, run: async (a, io) => (await import('./groups.js')).runGroupsCommand(a, io) },
  namespaces: { usage: async () => (await import('./namespaces.js')).NAMESPACES_USAGE, run: async (a, io) => (await import('./namespaces.js')).runNamespacesCommand(a, io) },
  credentials: { usage: async () => (await import('./credentials.js')).CREDENTIALS_USAGE, run: async (a, io) => (await import('./credentials.js')).runCredentialsCommand(a, io) },
  cache: { usage: async () => (await import('./cache.js')).CACHE_USAGE, run: async (a, io) => (await import('./cache.js')).runCacheCommand(a, io) },
  mounts: { usage: async () => (await import('./mounts.js')).MOUNTS_USAGE, run: async (a, io) => (await import('./mounts.js')).runMountsCommand(a, io) },
  bench: { usage: async () => (await import('./bench.js')).BENCH_USAGE, run: async (a, io) => (await import('./bench.js')).runBenchCommand(a, io) },
};

export function isAdminCommand(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(ADMIN_COMMANDS, name);
}

/** Runs `strata <command> <argv...>`; returns the exit code. */
export async function runAdminCommand(command: string, argv: string[], io: Io): Promise<number> {
  const cmd = ADMIN_COMMANDS[command];
  if (!cmd) {
    io.err(`strata: unknown command "${command}"\n`);
    return EXIT.USAGE;
  }
  if (command !== 'bench' && (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help')) {
    const text = await cmd.usage();
    if (argv.length === 0) {
      io.err(`strata ${command}: missing a subcommand\n${text}`);
      return EXIT.USAGE;
    }
    io.out(text);
    return EXIT.OK;
  }
  try {
    return await cmd.run(argv, io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const sub = argv[0] && !argv[0].startsWith('-') && command !== 'bench' ? ` ${argv[0]}` : '';
    io.err(`strata ${command}${sub}: ${err.message}\n`);
    if (err.exitCode === EXIT.USAGE) io.err(await cmd.usage());
    else if (argv.includes('--json') && err.body !== undefined) io.out(JSON.stringify(err.body, null, 2) + '\n');
    return err.exitCode;
  }
}
