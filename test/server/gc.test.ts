import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';

describe('gcParallelScavenge', () => {
  // the built module (npm test builds first), as `strata start` runs it
  it('V8 takes the flag at run time: after --no-parallel-scavenge every scavenge runs as one task', () => {
    // --trace-gc prints one "Scavenge" line per collection, --trace-parallel-scavenge one line per scavenger task
    const script = `
      const { applyGcSettings } = await import(${JSON.stringify(new URL('../../dist/src/server/gc.js', import.meta.url).pathname)});
      const churn = () => { let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 5000) keep = []; } };
      applyGcSettings('on');
      churn();
      console.log('--- off');
      applyGcSettings('off');
      churn();`;
    const r = spawnSync(process.execPath, ['--trace-gc', '--trace-parallel-scavenge', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [before, after] = r.stdout.split('--- off');
    expect(after, r.stdout.slice(0, 2000)).toBeDefined();
    const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
    const gcs = [count(before!, /Scavenge/), count(after!, /Scavenge/)];
    const tasks = [count(before!, /scavenge\[/), count(after!, /scavenge\[/)];
    expect(gcs[0]).toBeGreaterThan(5);
    expect(gcs[1]).toBeGreaterThan(5);
    if (availableParallelism() >= 2) expect(tasks[0]).toBeGreaterThan(gcs[0]!); // helpers joined in
    expect(tasks[1]).toBe(gcs[1]); // one task each
  });
});
