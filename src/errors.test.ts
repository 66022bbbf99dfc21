import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, StrataError, toStrataError, type ErrorCode } from './errors.js';

const DOC = new URL('../docs/reference/errors.md', import.meta.url);

interface Row {
  code: string;
  kind: string;
  retriable: string;
  http: number;
  meaning: string;
}

function docRows(): Row[] {
  return readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((l) => /^\|\s*`?STRATA_ERR_/.test(l))
    .map((l) => {
      const cells = l.split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, ''));
      return { code: cells[0], kind: cells[1], retriable: cells[2], http: Number(cells[3]), meaning: cells[4] ?? '' };
    });
}

describe('error catalog ↔ docs/reference/errors.md', () => {
  const rows = docRows();
  const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];

  it('lists every code exactly once, and nothing else', () => {
    const documented = rows.map((r) => r.code);
    const missing = codes.filter((c) => !documented.includes(c));
    const extra = documented.filter((c) => !(c in ERROR_CATALOG));
    const dupes = documented.filter((c, i) => documented.indexOf(c) !== i);
    expect({ missing, extra, dupes }).toEqual({ missing: [], extra: [], dupes: [] });
  });

  it('documents the same kind, retry flag and HTTP status as the catalog', () => {
    const mismatches = rows
      .filter((r) => r.code in ERROR_CATALOG)
      .flatMap((r) => {
        const spec = ERROR_CATALOG[r.code as ErrorCode];
        const want = { kind: spec.kind, retriable: spec.retriable ? 'yes' : 'no', http: spec.http };
        const got = { kind: r.kind, retriable: r.retriable, http: r.http };
        return JSON.stringify(want) === JSON.stringify(got) ? [] : [{ code: r.code, want, got }];
      });
    expect(mismatches).toEqual([]);
    expect(rows.every((r) => r.meaning.length > 0)).toBe(true);
  });

  it('keeps the catalog self-consistent', () => {
    for (const code of codes) {
      const spec = ERROR_CATALOG[code];
      expect(code).toMatch(/^STRATA_ERR_[A-Z0-9_]+$/);
      expect(spec.http, code).toBeGreaterThanOrEqual(400);
      expect(spec.http, code).toBeLessThan(600);
      expect(spec.message.length, code).toBeGreaterThan(0);
      if (spec.kind === 'internal') expect(spec.retriable, code).toBe(false);
      if (spec.kind === 'not_found' && spec.http < 500) expect(spec.http, code).toBe(404);
    }
  });
});

describe('StrataError', () => {
  it('carries the catalog fields and serialises to the HTTP error shape', () => {
    const cause = new Error('socket hang up');
    const err = new StrataError('STRATA_ERR_TOPIC_NOT_FOUND', 'topic a/b not found', { cause, details: { topic: 'a/b' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.cause).toBe(cause);
    expect(err.httpStatus).toBe(404);
    expect(err.toJSON()).toEqual({ code: 'STRATA_ERR_TOPIC_NOT_FOUND', message: 'topic a/b not found', retriable: false, details: { topic: 'a/b' } });
    expect(new StrataError('STRATA_ERR_BACKPRESSURE').toJSON()).toEqual({
      code: 'STRATA_ERR_BACKPRESSURE',
      message: ERROR_CATALOG.STRATA_ERR_BACKPRESSURE.message,
      retriable: true,
    });
  });

  it('wraps unknown errors as internal and aborts as aborted', () => {
    expect(toStrataError(new TypeError('boom')).code).toBe('STRATA_ERR_INTERNAL');
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(toStrataError(abort).code).toBe('STRATA_ERR_ABORTED');
    const same = new StrataError('STRATA_ERR_FENCED');
    expect(toStrataError(same)).toBe(same);
  });
});
