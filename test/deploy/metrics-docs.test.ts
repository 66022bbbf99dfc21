/**
 * docs/reference/metrics.md documents every strata_* metric the code registers (names found in the sources of
 * src/, cache/ and connectors/), and documents no metric that does not exist. The running-process side (every
 * strata_* a node exposes is documented) is checked in metrics-scrape.test.ts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' || f === 'python' ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const inCode = new Set(
  ['src', 'cache', 'connectors'].flatMap((d) => sourceFiles(join(ROOT, d))).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/['"`](strata_[a-z0-9_]+)['"`]/g)].map((m) => m[1]!)),
);
const doc = readFileSync(join(ROOT, 'docs/reference/metrics.md'), 'utf8');
const documented = new Set([...doc.matchAll(/^\| `(strata_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));

describe('docs/reference/metrics.md', () => {
  it('has a table row for every strata_* metric in the code', () => {
    expect(inCode.size).toBeGreaterThan(30);
    expect([...inCode].filter((m) => !documented.has(m)).sort()).toEqual([]);
  });

  it('documents only metrics that exist, each once, with a type', () => {
    expect([...documented].filter((m) => !inCode.has(m)).sort()).toEqual([]);
    const rows = [...doc.matchAll(/^\| `(strata_[a-z0-9_]+)` \| (\w+) \|/gm)];
    expect(rows.length).toBe(documented.size);
    for (const [, name, type] of rows) expect(['counter', 'gauge', 'histogram', 'summary'], name).toContain(type);
    for (const [, name, type] of rows) if (name!.endsWith('_total')) expect(type, name).toBe('counter');
  });
});
