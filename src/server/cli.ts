/**
 * The `strata` command. bin/strata.js calls main(argv) and exits with the code it returns.
 * Exit codes: 0 clean stop, 1 fatal error while running, 2 invalid configuration or failed start.
 */
import type { Logger } from 'pino';
import { isStrataError, toStrataError } from '../errors.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { applyGcSettings, gcSettingsOf } from './gc.js';
import { formatOptionValue } from './config-values.js';
import { optionsMarkdown, usage } from './help.js';
import { componentLogger, createLogger } from './logger.js';
import { startNode, type StrataNode } from './node.js';
import { OPTIONS } from './options/index.js';
import { VERSION } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_CONFIG = 2;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** One line, no stack: `strata: <what>: <message> (<code>)`. */
function failLine(what: string, err: unknown): string {
  const e = toStrataError(err);
  return `strata: ${what}: ${e.message} (${e.code})\n`;
}

function loadConfig(argv: string[], io: Io): ResolvedConfig | undefined {
  try {
    return resolveConfig({ argv, env: process.env });
  } catch (err) {
    io.err(failLine('invalid configuration', err));
    return undefined;
  }
}

/** The configuration with secrets masked, for logs and `strata config`. */
export function describeConfig(resolved: ResolvedConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of OPTIONS) {
    const value = (resolved.config as Record<string, unknown>)[spec.name];
    if (value !== undefined) out[spec.name] = formatOptionValue(spec, value);
  }
  return out;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(usage());
      return command === undefined ? EXIT_CONFIG : EXIT_OK;
    case 'version':
    case '--version':
    case '-v':
      io.out(`strata ${VERSION}\n`);
      return EXIT_OK;
    case 'options':
      // Prints the reference table of docs/reference/configuration.md.
      io.out(optionsMarkdown());
      return EXIT_OK;
    case 'config': {
      const resolved = loadConfig(rest, io);
      if (!resolved) return EXIT_CONFIG;
      const described = describeConfig(resolved);
      const rows = Object.entries(described).map(([k, v]) => ({ option: k, value: v, source: resolved.sources[k] }));
      io.out(JSON.stringify({ file: resolved.file ?? null, options: rows, warnings: resolved.warnings }, null, 2) + '\n');
      return EXIT_OK;
    }
    case 'start':
      if (rest.includes('--help') || rest.includes('-h')) {
        io.out(usage());
        return EXIT_OK;
      }
      return start(rest, io);
    case 'status': {
      // asks a running broker (src/server/status-command.ts)
      const { runStatusCommand } = await import('./status-command.js');
      return runStatusCommand(rest, io);
    }
    case 'mount': {
      // mounted buckets: a client of a running broker's HTTP API (src/broker/mounts/cli.ts)
      const { runMountCommand } = await import('../broker/mounts/cli.js');
      return runMountCommand(rest, io);
    }
    case 'users': {
      // users file for MQTT authentication (src/auth/cli.ts)
      const { runUsersCommand } = await import('../auth/cli.js');
      return runUsersCommand(rest, io);
    }
    default: {
      // admin CLI over the HTTP API (src/cli/, one table of commands): exit 0 ok, 1 broker error, 2 usage, 3 cannot connect
      const { isAdminCommand, runAdminCommand } = await import('../cli/index.js');
      if (isAdminCommand(command)) return runAdminCommand(command, rest, io);
      io.err(`strata: unknown command "${command}" (see strata --help)\n`);
      return EXIT_CONFIG;
    }
  }
}

async function start(argv: string[], io: Io): Promise<number> {
  const resolved = loadConfig(argv, io);
  if (!resolved) return EXIT_CONFIG;
  let root: Logger;
  try {
    root = createLogger({ logLevel: resolved.config.logLevel, logLevels: resolved.config.logLevels });
  } catch (err) {
    io.err(failLine('invalid configuration', err));
    return EXIT_CONFIG;
  }
  const logger = componentLogger(root, 'server');
  for (const w of resolved.warnings) logger.warn(w);
  const gc = gcSettingsOf(resolved.config);
  applyGcSettings(gc);
  logger.info({ version: VERSION, node: process.version, gc, config: describeConfig(resolved), configFile: resolved.file }, 'starting');

  let node: StrataNode;
  try {
    node = await startNode(resolved.config, root);
  } catch (err) {
    const e = toStrataError(err);
    logger.error({ code: e.code, details: e.details, reason: e.message }, 'cannot start');
    if (!isStrataError(err) || e.code === 'STRATA_ERR_INTERNAL') logger.debug({ err }, 'start failure detail');
    io.err(failLine('cannot start', err));
    return EXIT_CONFIG;
  }
  return waitForShutdown(node, logger, resolved.config.shutdownTimeout);
}

/** Resolves with the exit code once a signal (or a fatal error) stopped the node. */
function waitForShutdown(node: StrataNode, logger: Logger, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve) => {
    let signals = 0;
    const finish = (code: number): void => {
      for (const s of ['SIGTERM', 'SIGINT'] as const) process.removeListener(s, onSignal);
      process.removeListener('uncaughtException', onFatal);
      process.removeListener('unhandledRejection', onFatal);
      // Whatever handle a library leaves open, the process ends shortly after a clean stop.
      setTimeout(() => process.exit(code), 2000).unref();
      resolve(code);
    };
    const shutdown = (code: number, reason: string): void => {
      logger.info({ reason, timeoutMs }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out; exiting');
        process.exit(EXIT_FATAL);
      }, timeoutMs);
      timer.unref();
      node.stop().then(
        () => {
          clearTimeout(timer);
          logger.info('stopped');
          finish(code);
        },
        (err: unknown) => {
          clearTimeout(timer);
          logger.error({ err: toStrataError(err).toJSON() }, 'shutdown failed');
          finish(EXIT_FATAL);
        },
      );
    };
    function onSignal(signal: NodeJS.Signals): void {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(EXIT_FATAL);
      }
      shutdown(EXIT_OK, signal);
    }
    function onFatal(err: unknown): void {
      logger.fatal({ err }, 'fatal error');
      if (signals++ === 0) shutdown(EXIT_FATAL, 'fatal error');
    }
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('uncaughtException', onFatal);
    process.on('unhandledRejection', onFatal);
  });
}
