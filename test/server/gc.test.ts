import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parallelScavengeSetting } from '../../src/server/gc.js';

describe('gcParallelScavenge', () => {
  it('auto: off on 1-2 CPUs, left to Node on more or when the node command line decides; on/off force', () => {
    expect(parallelScavengeSetting('auto', 1, [])).toBe(false);
    expect(parallelScavengeSetting('auto', 2, ['--enable-source-maps'])).toBe(false);
    expect(parallelScavengeSetting('auto', 3, [])).toBeUndefined();
    expect(parallelScavengeSetting('auto', 64, [])).toBeUndefined();
    for (const flag of ['--parallel-scavenge', '--no-parallel-scavenge', '--single-threaded-gc', '--single_threaded_gc', '--no_parallel_scavenge']) {
      expect(parallelScavengeSetting('auto', 2, [flag]), flag).toBeUndefined();
    }
    expect(parallelScavengeSetting('on', 2, ['--single-threaded-gc'])).toBe(true);
    expect(parallelScavengeSetting('off', 64, [])).toBe(false);
  });

  it('V8 takes the flag at run time: after --no-parallel-scavenge every scavenge runs as one task', () => {
    // --trace-gc prints one "Scavenge" line per collection, --trace-parallel-scavenge one line per scavenger task
    const script = `
      const { setFlagsFromString } = require('node:v8');
      const churn = () => { let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 5000) keep = []; } };
      setFlagsFromString('--parallel-scavenge');
      churn();
      console.log('--- off');
      setFlagsFromString('--no-parallel-scavenge');
      churn();`;
    const r = spawnSync(process.execPath, ['--trace-gc', '--trace-parallel-scavenge', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [before, after] = r.stdout.split('--- off');
    const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
    const gcs = [count(before!, /Scavenge/), count(after!, /Scavenge/)];
    const tasks = [count(before!, /scavenge\[/), count(after!, /scavenge\[/)];
    expect(gcs[0]).toBeGreaterThan(5);
    expect(gcs[1]).toBeGreaterThan(5);
    if (availableParallelism() >= 2) expect(tasks[0]).toBeGreaterThan(gcs[0]!); // helpers joined in
    expect(tasks[1]).toBe(gcs[1]); // one task each
  });
});
