/**
 * The option schema: one table entry per configuration option. Every source (CLI flag, env var, config
 * file, default) and the reference page docs/reference/configuration.md are derived from these entries.
 *
 * To add options for your component: create `src/server/options/<area>.ts` exporting
 * `export const <AREA>_OPTIONS = [ ... ] as const satisfies readonly OptionSpec[];` and add it to the
 * list in `src/server/options/index.ts`. The env var and flag are derived from `name`
 * (`cacheMemoryBytes` → `STRATA_CACHE_MEMORY_BYTES`, `--cache-memory-bytes`) unless given.
 */

export type OptionType = 'string' | 'int' | 'bool' | 'enum' | 'size' | 'duration' | 'list';

/** Values resolved so far; a derived default reads the options listed before it. */
export type PartialConfig = Record<string, unknown>;

interface BaseSpec {
  /** camelCase; also the key in a config file. */
  name: string;
  /** Override of the derived STRATA_<NAME> env var. */
  env?: string;
  /** Override of the derived --kebab-name flag. */
  flag?: string;
  /** One sentence for --help and the reference page. */
  doc: string;
  /** Section in --help and the reference page, e.g. 'process', 'listeners', 's3'. */
  group: string;
  /** Never printed or logged (credentials). */
  secret?: boolean;
  /** How the default reads in docs when it is computed, e.g. '<dataDir>/store'. */
  defaultDoc?: string;
}

type Derived<T> = (config: PartialConfig) => T | undefined;

export interface StringSpec extends BaseSpec { type: 'string'; default?: string | Derived<string> }
export interface IntSpec extends BaseSpec { type: 'int'; default?: number | Derived<number>; min?: number; max?: number }
export interface BoolSpec extends BaseSpec { type: 'bool'; default?: boolean | Derived<boolean> }
export interface EnumSpec extends BaseSpec { type: 'enum'; values: readonly string[]; default?: string | Derived<string> }
/** A byte count: `1048576`, `512KiB`, `64MiB`, `2GiB` (also KB/MB/GB = powers of 1000). */
export interface SizeSpec extends BaseSpec { type: 'size'; default?: number | Derived<number>; min?: number }
/** A duration in milliseconds: `250`, `250ms`, `30s`, `5m`, `1h`. */
export interface DurationSpec extends BaseSpec { type: 'duration'; default?: number | Derived<number>; min?: number }
/** Comma-separated strings; an array in a config file. */
export interface ListSpec extends BaseSpec { type: 'list'; default?: readonly string[] | Derived<string[]> }

export type OptionSpec = StringSpec | IntSpec | BoolSpec | EnumSpec | SizeSpec | DurationSpec | ListSpec;

/** true when the option always has a value: a static default, or a derived one that never returns undefined. */
type HasDefault<S> = S extends { default: (...args: never[]) => infer R }
  ? undefined extends R
    ? false
    : true
  : S extends { default: unknown }
    ? true
    : false;

type ValueOf<S extends OptionSpec> = S extends EnumSpec
  ? S['values'][number]
  : S extends IntSpec | SizeSpec | DurationSpec
    ? number
    : S extends BoolSpec
      ? boolean
      : S extends ListSpec
        ? string[]
        : string;

/** The resolved configuration type of a schema: options with a default are always present. */
export type ConfigOf<S extends readonly OptionSpec[]> = {
  readonly [K in S[number] as K['name']]: HasDefault<K> extends true ? ValueOf<K> : ValueOf<K> | undefined;
};

/** `httpPort` → `STRATA_HTTP_PORT`. */
export function envName(spec: Pick<OptionSpec, 'name' | 'env'>): string {
  return spec.env ?? 'STRATA_' + spec.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `httpPort` → `--http-port`. */
export function flagName(spec: Pick<OptionSpec, 'name' | 'flag'>): string {
  return spec.flag ?? '--' + spec.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
