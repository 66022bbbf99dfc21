import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsMarkdown, usage } from '../../src/server/help.js';
import { OPTIONS, envName, flagName } from '../../src/server/options/index.js';

const doc = readFileSync(new URL('../../docs/reference/configuration.md', import.meta.url), 'utf8');

describe('docs/reference/configuration.md', () => {
  const rows = doc.split('\n').filter((l) => l.startsWith('| `'));

  it('has one row per option with its flag, env var and default', () => {
    const generated = optionsMarkdown().split('\n').filter((l) => l.startsWith('| `'));
    const problems: string[] = [];
    for (const spec of OPTIONS) {
      const row = rows.find((r) => r.startsWith(`| \`${spec.name}\` |`));
      if (!row) {
        problems.push(`${spec.name}: no row (run: npm run build && node bin/strata.js options)`);
        continue;
      }
      const cells = row.split(' | ');
      const want = generated.find((r) => r.startsWith(`| \`${spec.name}\` |`))!.split(' | ');
      if (!row.includes(`\`${flagName(spec)}\``)) problems.push(`${spec.name}: flag ${flagName(spec)} missing`);
      if (!row.includes(`\`${envName(spec)}\``)) problems.push(`${spec.name}: env ${envName(spec)} missing`);
      if (cells[4] !== want[4]) problems.push(`${spec.name}: default is ${want[4]}, docs say ${cells[4]}`);
    }
    expect(problems).toEqual([]);
  });

  it('documents no option that does not exist', () => {
    const names = new Set<string>(OPTIONS.map((o) => o.name));
    const extra = rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1]).filter((n) => n && !names.has(n));
    expect(extra).toEqual([]);
  });

  it('--help mentions every flag', () => {
    const help = usage();
    for (const spec of OPTIONS) expect(help, spec.name).toContain(flagName(spec));
  });
});
