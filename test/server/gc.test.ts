import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';

// the built module (npm test builds first), as `strata start` runs it
const GC = JSON.stringify(new URL('../../dist/src/server/gc.js', import.meta.url).pathname);

function node(flags: string[], script: string): string {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;

describe('GC settings applied at run time (gcParallelScavenge, gcHeapGrowingPercent)', () => {
  it('after parallelScavenge off every scavenge runs as one task', () => {
    // --trace-gc prints one "Scavenge" line per collection, --trace-parallel-scavenge one line per scavenger task
    const out = node(['--trace-gc', '--trace-parallel-scavenge'], `
      const { applyGcSettings } = await import(${GC});
      const churn = () => { let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 5000) keep = []; } };
      applyGcSettings({ parallelScavenge: 'on', heapGrowingPercent: 0 });
      churn();
      console.log('--- off');
      applyGcSettings({ parallelScavenge: 'off', heapGrowingPercent: 0 });
      churn();`);
    const [before, after] = out.split('--- off');
    expect(after, out.slice(0, 2000)).toBeDefined();
    const gcs = [count(before!, /Scavenge/), count(after!, /Scavenge/)];
    const tasks = [count(before!, /scavenge\[/), count(after!, /scavenge\[/)];
    expect(gcs[0]).toBeGreaterThan(5);
    expect(gcs[1]).toBeGreaterThan(5);
    if (availableParallelism() >= 2) expect(tasks[0]).toBeGreaterThan(gcs[0]!); // helpers joined in
    expect(tasks[1]).toBe(gcs[1]); // one task each
  });

  it('heapGrowingPercent sets how far the heap grows past the live size before the next full collection', () => {
    // ~45 MB stay live while promoted objects keep dying: full collections come whenever the old generation
    // reaches its limit, which the growing factor sets (here V8's own factor is ~4)
    const churn = (percent: number): number =>
      count(
        node(['--trace-gc'], `
          const { applyGcSettings } = await import(${GC});
          applyGcSettings({ parallelScavenge: 'node', heapGrowingPercent: ${percent} });
          const ring = new Array(400000);
          for (let i = 0; i < 2e7; i++) ring[i % ring.length] = { i, a: [i, i] };`),
        /Mark-Compact/,
      );
    const adaptive = churn(0);
    const tight = churn(20); // ×1.2
    expect(adaptive).toBeGreaterThan(2);
    expect(tight).toBeGreaterThan(2 * adaptive);
  });
});
