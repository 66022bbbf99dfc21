import { StrataError } from '../errors.js';
import type { OptionSpec } from './options/types.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};
const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function invalid(where: string, raw: unknown, expected: string): StrataError {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return new StrataError('STRATA_ERR_CONFIG_INVALID', `invalid value ${shown} for ${where}: expected ${expected}`, {
    details: { where, value: raw },
  });
}

function parseUnit(raw: string, units: Record<string, number>): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return undefined;
  const unit = units[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/**
 * Turns a raw value (a string from a flag or env var; any JSON/YAML value from a config file) into the
 * option's type. `where` names the source in the error, e.g. `--http-port` or `STRATA_HTTP_PORT`.
 */
export function coerceOption(spec: OptionSpec, raw: unknown, where: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
      throw invalid(where, raw, 'a string');
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      const min = spec.min ?? Number.MIN_SAFE_INTEGER;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        const range = spec.min !== undefined && spec.max !== undefined ? ` between ${min} and ${max}` : spec.min !== undefined ? ` ≥ ${min}` : '';
        throw invalid(where, raw, `an integer${range}`);
      }
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const v = raw.trim().toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
      }
      throw invalid(where, raw, 'true or false');
    case 'enum':
      if (typeof raw === 'string' && spec.values.includes(raw.trim())) return raw.trim();
      throw invalid(where, raw, `one of ${spec.values.join(', ')}`);
    case 'size': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseUnit(raw, SIZE_UNITS) : undefined;
      if (n === undefined || !Number.isSafeInteger(n) || n < (spec.min ?? 0)) throw invalid(where, raw, 'a size such as 1048576, 512KiB, 64MiB or 2GiB');
      return n;
    }
    case 'duration': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseUnit(raw, DURATION_UNITS) : undefined;
      if (n === undefined || !Number.isSafeInteger(n) || n < (spec.min ?? 0)) throw invalid(where, raw, 'a duration such as 250ms, 30s or 5m');
      return n;
    }
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw.map((x: string) => x.trim()).filter(Boolean);
      if (typeof raw === 'string') return raw.split(',').map((x) => x.trim()).filter(Boolean);
      throw invalid(where, raw, 'a comma-separated list');
  }
}

/** Renders a value for --help, docs and `strata config` (secrets masked). */
export function formatOptionValue(spec: OptionSpec, value: unknown): string {
  if (value === undefined) return '';
  if (spec.secret) return '***';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
