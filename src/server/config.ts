/**
 * Configuration: one typed object resolved from the option table (src/server/options/), with the sources in
 * this precedence: CLI flags > env vars STRATA_<NAME> > config file (--config / STRATA_CONFIG, YAML or JSON)
 * > defaults. Anything unknown or malformed is a STRATA_ERR_CONFIG_INVALID with one clear line.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StrataError } from '../errors.js';
import { coerceOption } from './config-values.js';
import { OPTIONS, envName, flagName, type OptionSpec, type StrataConfig } from './options/index.js';

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface ResolvedConfig {
  config: StrataConfig;
  /** Where each option's value came from. */
  sources: Record<string, ConfigSource>;
  /** Non-fatal findings to log, e.g. unknown STRATA_* env vars. */
  warnings: string[];
  /** The config file read, if any. */
  file?: string;
}

export interface ConfigInputs {
  /** Option flags only (the command already removed), e.g. ['--http-port', '0', '--store=s3']. */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Override of the option table (tests). */
  options?: readonly OptionSpec[];
}

/** Env vars that are not options but are expected to exist. */
const NON_OPTION_ENV = /^STRATA_(CONFIG|TEST_.*)$/;

function configError(message: string, details?: Record<string, unknown>): StrataError {
  return new StrataError('STRATA_ERR_CONFIG_INVALID', message, { details });
}

/** Splits flags into option values and the --config path. Throws on unknown flags or missing values. */
export function parseFlags(argv: string[], options: readonly OptionSpec[] = OPTIONS): { values: Map<string, string | boolean>; config?: string } {
  const byFlag = new Map(options.map((o) => [flagName(o), o] as const));
  const values = new Map<string, string | boolean>();
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw configError(`unexpected argument "${arg}" (see strata --help)`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (flag === '--config') {
      config = value ?? argv[++i];
      if (config === undefined || config.startsWith('--')) throw configError('--config needs a file path');
      continue;
    }
    let spec = byFlag.get(flag);
    if (!spec && flag.startsWith('--no-')) {
      const positive = byFlag.get('--' + flag.slice(5));
      if (positive?.type === 'bool' && value === undefined) {
        values.set(positive.name, false);
        continue;
      }
    }
    if (!spec) throw configError(`unknown option ${flag} (see strata --help)`, { flag });
    if (value === undefined) {
      const next = argv[i + 1];
      if (spec.type === 'bool' && (next === undefined || next.startsWith('--'))) {
        values.set(spec.name, true);
        continue;
      }
      if (next === undefined || next.startsWith('--')) throw configError(`option ${flag} needs a value`, { flag });
      value = next;
      i++;
    }
    values.set(spec.name, value);
  }
  return { values, config };
}

/** Reads a YAML or JSON config file: a flat object whose keys are option names (camelCase). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { path });
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw configError(`config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${msg}`, { path });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw configError(`config file ${path} must hold a mapping of option names to values`, { path });
  return data as Record<string, unknown>;
}

/** Resolves the configuration from flags, env, an optional file and the defaults. */
export function resolveConfig(inputs: ConfigInputs = {}): ResolvedConfig {
  const options: readonly OptionSpec[] = inputs.options ?? OPTIONS;
  const env = inputs.env ?? process.env;
  const flags = parseFlags(inputs.argv ?? [], options);
  const warnings: string[] = [];

  const filePath = flags.config ?? (env.STRATA_CONFIG || undefined);
  const fileValues = filePath ? readConfigFile(filePath) : {};
  const known = new Set(options.map((o) => o.name));
  for (const key of Object.keys(fileValues)) {
    if (!known.has(key)) throw configError(`unknown option "${key}" in config file ${filePath}`, { path: filePath, key });
  }
  const envNames = new Set(options.map((o) => envName(o)));
  for (const key of Object.keys(env)) {
    if (key.startsWith('STRATA_') && !envNames.has(key) && !NON_OPTION_ENV.test(key)) warnings.push(`ignoring unknown environment variable ${key}`);
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  const derived: OptionSpec[] = [];
  for (const spec of options) {
    const fromFlag = flags.values.get(spec.name);
    const fromEnv = env[envName(spec)];
    if (fromFlag !== undefined) {
      values[spec.name] = coerceOption(spec, fromFlag, flagName(spec));
      sources[spec.name] = 'flag';
    } else if (fromEnv !== undefined && fromEnv !== '') {
      values[spec.name] = coerceOption(spec, fromEnv, envName(spec));
      sources[spec.name] = 'env';
    } else if (fileValues[spec.name] !== undefined && fileValues[spec.name] !== null) {
      values[spec.name] = coerceOption(spec, fileValues[spec.name], `${spec.name} in ${filePath}`);
      sources[spec.name] = 'file';
    } else if (typeof spec.default === 'function') {
      derived.push(spec);
      sources[spec.name] = 'default';
    } else {
      values[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      sources[spec.name] = 'default';
    }
  }
  // Derived defaults run after every explicit value is known, in table order.
  for (const spec of derived) {
    const fn = spec.default as (c: Record<string, unknown>) => unknown;
    values[spec.name] = fn(values);
  }
  validateCombination(values);
  return { config: values as StrataConfig, sources, warnings, file: filePath };
}

/** Checks that need several options at once. */
function validateCombination(c: Record<string, unknown>): void {
  if (c.store === 's3' && !c.s3Bucket) throw configError('the s3 store needs a bucket: set STRATA_S3_BUCKET or --s3-bucket');
  if (c.s3Endpoint !== undefined) {
    try {
      const url = new URL(String(c.s3Endpoint));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw configError(`invalid S3 endpoint "${String(c.s3Endpoint)}": expected a URL such as http://127.0.0.1:9000`);
    }
  }
  if ((c.s3AccessKeyId === undefined) !== (c.s3SecretAccessKey === undefined)) {
    throw configError('set both STRATA_S3_ACCESS_KEY_ID and STRATA_S3_SECRET_ACCESS_KEY, or neither (to use the AWS credential chain)');
  }
}
