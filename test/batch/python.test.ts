/**
 * Runs the Python client's tests (connectors/python/tests, pytest) against a real Strata process, so they
 * are part of the README's test command. Needs python3 with numpy, pyarrow and pytest
 * (`python3 -m pip install numpy pyarrow pytest`); a missing module fails this test with that line.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../support/process.js';

describe('python client (pytest)', () => {
  it('connectors/python/tests pass', async () => {
    await ensureBuilt();
    const deps = spawnSync('python3', ['-c', 'import numpy, pyarrow, pytest'], { encoding: 'utf8' });
    expect(deps.status, `python3 with numpy, pyarrow and pytest is needed: python3 -m pip install numpy pyarrow pytest\n${deps.stderr}`).toBe(0);
    const r = spawnSync('python3', ['-m', 'pytest', 'connectors/python/tests', '-q', '-p', 'no:cacheprovider'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(r.status, `pytest failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);
});
