/**
 * Shared pieces of the admin CLI (`strata topics|groups|namespaces|cache|mounts|bench`): exit codes, flag
 * parsing, the output sink. Exit codes scripts can trust (docs/reference/cli.md):
 *   0 ok · 1 the broker answered with an error · 2 usage error · 3 cannot connect to the broker
 */
export const EXIT = { OK: 0, SERVER_ERROR: 1, USAGE: 2, UNREACHABLE: 3 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  readonly isTty?: boolean;
}

/** An error that ends the command with `exitCode` after printing `message` on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** For --json: the broker's error body, when it sent one. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(EXIT.USAGE, message);
}

export type FlagKind = 'string' | 'bool' | 'int';

export interface Parsed {
  positional: string[];
  flags: Record<string, string | boolean | number | undefined>;
}

/** The flags every admin command takes. */
export const COMMON_FLAGS: Record<string, FlagKind> = { url: 'string', token: 'string', json: 'bool', namespace: 'string', help: 'bool' };
const SHORT: Record<string, string> = { n: 'namespace', h: 'help' };

/** `--name value`, `--name=value`, `-n value`, bare booleans; unknown flags are a usage error. */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagKind>): Parsed {
  const all = { ...COMMON_FLAGS, ...spec };
  const out: Parsed = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const raw = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : SHORT[a.slice(1)] ?? a;
    const name = raw.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const kind = all[name];
    if (!kind) throw usageError(`unknown flag "${a}"`);
    if (kind === 'bool') {
      if (eq > 0) throw usageError(`flag --${raw} takes no value`);
      out.flags[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw usageError(`flag --${raw} needs a value`);
    if (kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw usageError(`flag --${raw} needs an integer, got "${value}"`);
      out.flags[name] = Number(value);
    } else out.flags[name] = value;
  }
  return out;
}

/** `<ns>/<name>` or `<name>` in --namespace (default: STRATA_NAMESPACE or "default"). */
export function topicRef(arg: string | undefined, flags: Parsed['flags'], env: NodeJS.ProcessEnv = process.env): { ns: string; name: string } {
  if (!arg) throw usageError('missing the topic name ([<namespace>/]<topic>)');
  const slash = arg.indexOf('/');
  if (slash > 0) {
    if (flags.namespace !== undefined) throw usageError('give the namespace either as <namespace>/<topic> or with --namespace, not both');
    return { ns: arg.slice(0, slash), name: arg.slice(slash + 1) };
  }
  return { ns: namespaceOf(flags, env), name: arg };
}

export function namespaceOf(flags: Parsed['flags'], env: NodeJS.ProcessEnv = process.env): string {
  return (flags.namespace as string | undefined) ?? (env.STRATA_NAMESPACE || 'default');
}

export function expectPositional(p: Parsed, count: number, what: string): void {
  if (p.positional.length > count) throw usageError(`unexpected argument "${p.positional[count]}"${what ? ` (${what})` : ''}`);
}

export type Subcommand = (argv: string[], io: Io) => Promise<number>;

/** Runs the subcommand argv[0] of `table` (aliases are extra keys); a missing or unknown one is a usage error. */
export function runSubcommand(argv: readonly string[], io: Io, table: Record<string, Subcommand>): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub !== undefined && Object.hasOwn(table, sub) ? table[sub] : undefined;
  if (!run) throw usageError(sub === undefined ? 'missing a subcommand' : `unknown subcommand "${sub}"`);
  return run(rest, io);
}
