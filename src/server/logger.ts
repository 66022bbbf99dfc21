/**
 * Structured JSON logs (pino) to stdout. One root logger per process; every component gets a child with a
 * `component` field and its own level (STRATA_LOG_LEVEL for all, STRATA_LOG_LEVELS=store=debug,mqtt=warn
 * per component).
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { StrataError } from '../errors.js';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export interface LoggingOptions {
  logLevel?: string;
  /** `component=level` entries. */
  logLevels?: readonly string[];
  /** Where to write; stdout by default. */
  destination?: DestinationStream;
}

/** Parses `['store=debug', 'mqtt=warn']` into a map; throws STRATA_ERR_CONFIG_INVALID on a bad entry. */
export function parseLogLevels(entries: readonly string[] = []): Map<string, LevelWithSilent> {
  const map = new Map<string, LevelWithSilent>();
  for (const entry of entries) {
    const [component, level] = entry.split('=').map((s) => s.trim());
    if (!component || !level || !LEVELS.has(level)) {
      throw new StrataError('STRATA_ERR_CONFIG_INVALID', `invalid log level entry "${entry}" in STRATA_LOG_LEVELS: expected component=level with level one of ${[...LEVELS].join(', ')}`);
    }
    map.set(component, level as LevelWithSilent);
  }
  return map;
}

const componentLevels = new WeakMap<Logger, Map<string, LevelWithSilent>>();

/** The process's root logger. Components below the root level still log when their own level is lower. */
export function createLogger(options: LoggingOptions = {}): Logger {
  const levels = parseLogLevels(options.logLevels);
  const base = (options.logLevel ?? 'info') as LevelWithSilent;
  const logger = pino(
    {
      level: base,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['*.secretAccessKey', '*.s3SecretAccessKey', 'secretAccessKey', 's3SecretAccessKey'], censor: '***' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  componentLevels.set(logger, levels);
  return logger;
}

/** A child logger for one component, with that component's level when one was configured. */
export function componentLogger(parent: Logger, component: string): Logger {
  const levels = componentLevels.get(parent);
  const level = levels?.get(component);
  const child = parent.child({ component }, level ? { level } : undefined);
  if (levels) componentLevels.set(child, levels);
  return child;
}
