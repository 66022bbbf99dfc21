/** The cache is its own package: nothing under cache/ may import from src/ (design: "Layout"). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|js|mjs|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module specifier of import/export-from/dynamic import/require in a file. */
export function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

describe('cache/ package boundary', () => {
  it('finds import specifiers (self-check)', () => {
    expect(specifiers(`import { x } from '../src/store/types.js';\nexport * from "./a.js";\nawait import('../src/b.js');\nimport '../src/c.js';`)).toEqual([
      '../src/store/types.js',
      './a.js',
      '../src/b.js',
      '../src/c.js',
    ]);
  });

  it('no file under cache/ imports from src/ or leaves the package', () => {
    const self = fileURLToPath(import.meta.url); // its self-check quotes forbidden specifiers on purpose
    const files = sources(ROOT).filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(5);
    const bad: string[] = [];
    for (const f of files) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (s.startsWith('..') || s.startsWith('/') || /(^|\/)src\//.test(s)) bad.push(`${f}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('declares every bare dependency it imports in cache/package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    for (const f of sources(ROOT).filter((f) => !f.endsWith('.test.ts'))) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (s.startsWith('.') || s.startsWith('node:')) continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        expect(deps.has(name), `${f} imports ${s}`).toBe(true);
      }
    }
  });
});
